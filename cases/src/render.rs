//! From tissue properties to the pixels of each series.
//!
//! Every series samples the same [`Anatomy`] on a grid of the same field of view and slice
//! positions. T2W is sampled at 256², the others at 128²; the low-resolution grid is sampled
//! once per slice and DWI, ADC and all DCE phases are computed from it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::anatomy::{Anatomy, Props};
use crate::ids::mix;
use crate::plan::{CasePlan, Geometry};

pub(crate) const T2_SIZE: usize = 256;
pub(crate) const T2_SPACING_MM: f64 = 0.7;
pub(crate) const LOW_SIZE: usize = 128;
pub(crate) const LOW_SPACING_MM: f64 = 1.4;
pub(crate) const B_VALUE: f64 = 1400.0;
pub(crate) const DCE_PHASES: usize = 8;
pub(crate) const DCE_INTERVAL_S: f64 = 15.0;
/// Contrast reaches the prostate this long after the start of phase 1 (the pre-contrast phase).
const ARRIVAL_S: f64 = 8.0;
const MAX_STORED: f32 = 4095.0;

/// Position of the first pixel's centre (x, y) for a square grid centred on the field of view.
pub(crate) fn grid_origin(geometry: &Geometry, size: usize, spacing: f64) -> [f64; 2] {
    let half = (size as f64 - 1.0) / 2.0 * spacing;
    [geometry.centre_xy[0] - half, geometry.centre_xy[1] - half]
}

/// Pixels of one case, slice by slice (inferior to superior).
#[derive(Debug)]
pub(crate) struct Pixels {
    pub t2: Vec<Vec<u16>>,
    pub dwi: Vec<Vec<u16>>,
    pub adc: Vec<Vec<u16>>,
    /// `dce[phase][slice]`.
    pub dce: Vec<Vec<Vec<u16>>>,
}

/// Approximately standard normal noise from one 64-bit draw (Irwin–Hall of four 16-bit
/// uniforms): smooth enough for image noise and far cheaper than Box–Muller.
fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    let x = rng.next_u64();
    let sum = (x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) + (x >> 48);
    (sum as f32 / 65535.0 - 2.0) * 1.732_050_8
}

/// Magnitude of a signal with complex Gaussian noise: Rician, so dark areas are not zero.
fn rician(rng: &mut ChaCha8Rng, signal: f32, sigma: f32) -> f32 {
    let re = signal + sigma * gauss(rng);
    let im = sigma * gauss(rng);
    (re * re + im * im).sqrt()
}

fn stored(value: f32) -> u16 {
    // Values are never negative, so adding one half and truncating rounds.
    (value.clamp(0.0, MAX_STORED) + 0.5) as u16
}

/// Receive-coil sensitivity, brighter near the posterior (endorectal or pelvic array) coil:
/// 0.8 + 0.4 g(x) g(y) with a Gaussian g, so it is computed per column and per row.
struct Coil {
    columns: Vec<f32>,
    rows: Vec<f32>,
}

impl Coil {
    fn new(anatomy: &Anatomy, origin: [f64; 2], size: usize, spacing: f64) -> Coil {
        let [cx, cy, _] = anatomy.prostate.centre;
        let g = |d: f64| (-(d * d) / (2.0 * 65.0 * 65.0)).exp() as f32;
        let at = |i: usize, o: f64, c: f64| g(o + i as f64 * spacing - c);
        Coil {
            columns: (0..size).map(|i| at(i, origin[0], cx)).collect(),
            rows: (0..size).map(|i| at(i, origin[1], cy + 35.0)).collect(),
        }
    }

    fn gain(&self, row: usize, col: usize) -> f32 {
        0.8 + 0.4 * self.rows[row] * self.columns[col]
    }
}

/// Relative enhancement curves at time `t` seconds after the start of the DCE series:
/// (slow progressive, fast wash-in and washout, arterial first pass).
pub(crate) fn curves(t: f64) -> (f32, f32, f32) {
    let tau = (t - ARRIVAL_S).max(0.0);
    let slow = 1.0 - (-tau / 80.0).exp();
    let fast = (1.0 - (-tau / 6.0).exp()) * (-tau / 180.0).exp();
    let art = (tau / 8.0) * (1.0 - tau / 8.0).exp() + 0.35 * (1.0 - (-tau / 10.0).exp());
    (slow as f32, fast as f32, art as f32)
}

pub(crate) fn phase_time_s(phase: usize) -> f64 {
    phase as f64 * DCE_INTERVAL_S
}

pub(crate) fn render(plan: &CasePlan) -> Pixels {
    let anatomy = &plan.anatomy;
    let geometry = &plan.geometry;
    let noise = |series: u64| ChaCha8Rng::seed_from_u64(mix(&[plan.case_seed, series]));
    let (mut t2_rng, mut dwi_rng, mut adc_rng, mut dce_rng) =
        (noise(1), noise(2), noise(3), noise(4));
    let phase_curves: Vec<(f32, f32, f32)> =
        (0..DCE_PHASES).map(|k| curves(phase_time_s(k))).collect();

    let mut pixels = Pixels {
        t2: Vec::with_capacity(geometry.slices),
        dwi: Vec::with_capacity(geometry.slices),
        adc: Vec::with_capacity(geometry.slices),
        dce: (0..DCE_PHASES)
            .map(|_| Vec::with_capacity(geometry.slices))
            .collect(),
    };
    let t2_origin = grid_origin(geometry, T2_SIZE, T2_SPACING_MM);
    let low_origin = grid_origin(geometry, LOW_SIZE, LOW_SPACING_MM);
    let t2_coil = Coil::new(anatomy, t2_origin, T2_SIZE, T2_SPACING_MM);
    let low_coil = Coil::new(anatomy, low_origin, LOW_SIZE, LOW_SPACING_MM);
    let mut low: Vec<(Props, f32)> = Vec::with_capacity(LOW_SIZE * LOW_SIZE);

    for slice in 0..geometry.slices {
        let z = geometry.slice_z(slice);

        let mut t2 = Vec::with_capacity(T2_SIZE * T2_SIZE);
        for row in 0..T2_SIZE {
            let y = t2_origin[1] + row as f64 * T2_SPACING_MM;
            for col in 0..T2_SIZE {
                let x = t2_origin[0] + col as f64 * T2_SPACING_MM;
                let props = anatomy.props_at([x, y, z]);
                let signal = props.t2 * t2_coil.gain(row, col);
                t2.push(stored(rician(&mut t2_rng, signal, 20.0)));
            }
        }
        pixels.t2.push(t2);

        low.clear();
        for row in 0..LOW_SIZE {
            let y = low_origin[1] + row as f64 * LOW_SPACING_MM;
            for col in 0..LOW_SIZE {
                let x = low_origin[0] + col as f64 * LOW_SPACING_MM;
                low.push((anatomy.props_at([x, y, z]), low_coil.gain(row, col)));
            }
        }

        let mut dwi = Vec::with_capacity(low.len());
        let mut adc = Vec::with_capacity(low.len());
        for &(props, gain) in &low {
            let attenuation = (-B_VALUE * f64::from(props.adc) * 1e-6).exp() as f32;
            let signal = 1800.0 * props.pd * attenuation * gain;
            dwi.push(stored(rician(&mut dwi_rng, signal, 14.0)));
            // ADC is fitted from noisy images: noisier where there is little signal, and
            // nothing where there is no signal at all.
            let value = if props.pd < 0.02 {
                0.0
            } else {
                props.adc + gauss(&mut adc_rng) * 35.0 / props.pd.max(0.2)
            };
            adc.push(stored(value));
        }
        pixels.dwi.push(dwi);
        pixels.adc.push(adc);

        for (phase, &(slow, fast, art)) in phase_curves.iter().enumerate() {
            let mut dce = Vec::with_capacity(low.len());
            for &(props, gain) in &low {
                let enhancement = 1.0 + props.slow * slow + props.fast * fast + props.art * art;
                let signal = props.t1 * enhancement * gain;
                dce.push(stored(rician(&mut dce_rng, signal, 8.0)));
            }
            pixels.dce[phase].push(dce);
        }
    }
    pixels
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn tumour_washes_in_by_phase_three_and_out_later_while_normal_tissue_keeps_rising() {
        let (_, fast2, _) = curves(phase_time_s(1));
        let (_, fast3, _) = curves(phase_time_s(2));
        let (_, fast_last, _) = curves(phase_time_s(DCE_PHASES - 1));
        assert!(fast2 > 0.6 && fast3 > 0.8, "{fast2} {fast3}");
        assert!(fast_last < 0.8 * fast3, "washout: {fast_last} vs {fast3}");
        let slows: Vec<f32> = (0..DCE_PHASES).map(|k| curves(phase_time_s(k)).0).collect();
        assert_eq!(slows[0], 0.0, "phase 1 is before contrast");
        assert!(slows.windows(2).all(|w| w[1] > w[0]), "{slows:?}");
        assert!(slows[2] < 0.35, "normal tissue enhances slowly: {slows:?}");
    }
}
