//! The analytic phantom: a prostate with its zones, the pelvis around it, and lesions.
//!
//! Everything is a smooth function of a position in patient coordinates (DICOM LPS, mm: +x is
//! the patient's left, +y posterior, +z superior). Rendering asks [`Anatomy::props_at`] for the
//! tissue properties at a pixel centre; the truth asks [`Prostate::sector_at`] which PI-RADS
//! sector a point lies in. Both read the same zone boundaries, so the sectors in a manifest are
//! the sectors the lesion is drawn in.

use readroom_domain::{Level, Sector, SectorRegion, Side, Zone};

pub(crate) type Vec3 = [f64; 3];

/// Tissue properties from which every series is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Props {
    /// T2-weighted TSE signal, on the 12-bit scale of the stored pixels.
    pub t2: f32,
    /// Signal weight without diffusion weighting (b = 0), 0 to about 1.
    pub pd: f32,
    /// Apparent diffusion coefficient, 10^-6 mm²/s.
    pub adc: f32,
    /// Fat-suppressed T1-weighted signal before contrast.
    pub t1: f32,
    /// Relative enhancement of the slow, progressive curve (normal glandular tissue).
    pub slow: f32,
    /// Relative enhancement of the fast wash-in, wash-out curve (tumour, some BPH nodules).
    pub fast: f32,
    /// Relative enhancement of the arterial first-pass curve (vessels).
    pub art: f32,
}

impl Props {
    const fn new(t2: f32, pd: f32, adc: f32, t1: f32, slow: f32, fast: f32, art: f32) -> Self {
        Props {
            t2,
            pd,
            adc,
            t1,
            slow,
            fast,
            art,
        }
    }

    /// `self` where `m` = 0, `other` where `m` = 1: partial volume at soft edges.
    pub fn lerp(self, other: Props, m: f32) -> Props {
        if m <= 0.0 {
            return self;
        }
        if m >= 1.0 {
            return other;
        }
        let mix = |a: f32, b: f32| a + (b - a) * m;
        Props {
            t2: mix(self.t2, other.t2),
            pd: mix(self.pd, other.pd),
            adc: mix(self.adc, other.adc),
            t1: mix(self.t1, other.t1),
            slow: mix(self.slow, other.slow),
            fast: mix(self.fast, other.fast),
            art: mix(self.art, other.art),
        }
    }
}

/// Typical 3 T appearances. Relative values matter more than absolute ones: PZ bright and TZ
/// intermediate on T2, ADC about 1600 in the PZ and 1200 in the TZ, fat dark on DWI.
pub(crate) mod tissue {
    use super::Props;

    pub const AIR: Props = Props::new(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    pub const FAT: Props = Props::new(1500.0, 0.05, 350.0, 110.0, 0.1, 0.0, 0.0);
    pub const MUSCLE: Props = Props::new(550.0, 0.55, 1450.0, 330.0, 0.5, 0.0, 0.0);
    pub const CORTEX: Props = Props::new(120.0, 0.03, 200.0, 50.0, 0.0, 0.0, 0.0);
    pub const MARROW: Props = Props::new(1300.0, 0.1, 450.0, 170.0, 0.15, 0.0, 0.0);
    pub const RECTAL_WALL: Props = Props::new(700.0, 0.7, 1300.0, 340.0, 0.8, 0.3, 0.0);
    pub const GAS: Props = Props::new(60.0, 0.0, 0.0, 30.0, 0.0, 0.0, 0.0);
    pub const GEL: Props = Props::new(2400.0, 0.9, 2600.0, 120.0, 0.0, 0.0, 0.0);
    pub const BLADDER_WALL: Props = Props::new(600.0, 0.6, 1400.0, 330.0, 0.6, 0.1, 0.0);
    pub const URINE: Props = Props::new(3200.0, 1.0, 2900.0, 90.0, 0.0, 0.0, 0.0);
    pub const SEMINAL_VESICLE: Props = Props::new(2600.0, 0.9, 2100.0, 150.0, 0.3, 0.0, 0.0);
    pub const VESSEL: Props = Props::new(400.0, 0.3, 1800.0, 200.0, 0.3, 0.0, 2.5);
    pub const PZ: Props = Props::new(1800.0, 1.0, 1650.0, 380.0, 0.9, 0.05, 0.0);
    pub const TZ: Props = Props::new(1150.0, 0.9, 1200.0, 390.0, 1.0, 0.25, 0.0);
    pub const CZ: Props = Props::new(750.0, 0.85, 1150.0, 380.0, 0.7, 0.0, 0.0);
    pub const AS: Props = Props::new(450.0, 0.6, 1100.0, 330.0, 0.4, 0.0, 0.0);
    pub const URETHRA: Props = Props::new(1400.0, 0.9, 1500.0, 360.0, 1.2, 0.0, 0.0);
}

/// Partial-volume weight of a structure at a point `depth_mm` inside its edge (negative
/// outside): a smoothstep over `width_mm`, one half on the edge itself.
pub(crate) fn edge(depth_mm: f64, width_mm: f64) -> f32 {
    let x = (depth_mm / width_mm + 0.5).clamp(0.0, 1.0);
    (x * x * (3.0 - 2.0 * x)) as f32
}

/// The zone a point of the gland lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    PZ,
    TZ,
    CZ,
    AS,
}

impl Region {
    pub fn zone(self) -> Zone {
        match self {
            Region::PZ => Zone::PZ,
            Region::TZ => Zone::TZ,
            Region::CZ => Zone::CZ,
            Region::AS => Zone::AS,
        }
    }
}

/// The posterior half of the gland is flattened by the rectum.
const POSTERIOR_FLATTENING: f64 = 0.85;
/// Centre of the transition zone, in gland-normalised coordinates (anterior and superior of
/// the gland centre, as in a man with some BPH).
const TZ_CENTRE: Vec3 = [0.0, -0.2, 0.15];
/// The urethra runs here (normalised anterior-posterior position); the TZ is split into
/// anterior and posterior sectors along it.
pub(crate) const URETHRA_NV: f64 = -0.15;
const URETHRA_RADIUS_MM: f64 = 2.5;
/// The anterior fibromuscular stroma: a midline cap on the anterior capsule (normalised
/// half-width and depth), wherever the TZ does not reach.
const AS_SEMI: [f64; 2] = [0.45, 0.6];
/// The central zone: a posterior midline cone widening towards the base, around the
/// ejaculatory ducts, from this normalised height up.
const CZ_FROM_NW: f64 = 0.4;

/// A benign prostatic hyperplasia nodule: a smooth blob that modulates the TZ.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Nodule {
    pub centre: Vec3,
    pub radius_mm: f64,
    pub t2_factor: f32,
    pub adc_factor: f32,
    pub fast: f32,
}

/// The gland: an egg-shaped ellipsoid, widest at the base, with its zones.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prostate {
    pub centre: Vec3,
    /// Semi-axes in mm: left-right at the base, anterior-posterior (anterior half; the posterior
    /// half is flattened), craniocaudal. The base is at `centre.z + semi.z`, the apex below.
    pub semi: Vec3,
    /// Size of the TZ relative to the gland (0.55 to 0.75).
    pub tz_size: f64,
    pub nodules: Vec<Nodule>,
}

/// A point in the gland's own frame: millimetres from its centre and normalised coordinates
/// (the capsule is `rho` = 1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Local {
    pub u: f64,
    pub v: f64,
    pub w: f64,
    pub nu: f64,
    pub nv: f64,
    pub nw: f64,
    pub rho: f64,
    /// Millimetres per normalised unit, left-right and anterior-posterior, at this point.
    mm_u: f64,
    mm_v: f64,
}

fn taper(nw: f64) -> f64 {
    0.92 + 0.08 * nw.clamp(-1.0, 1.0)
}

impl Prostate {
    pub fn local(&self, p: Vec3) -> Local {
        let (u, v, w) = (
            p[0] - self.centre[0],
            p[1] - self.centre[1],
            p[2] - self.centre[2],
        );
        let nw = w / self.semi[2];
        let t = taper(nw);
        let mm_u = self.semi[0] * t;
        let mm_v = self.semi[1] * t * if v > 0.0 { POSTERIOR_FLATTENING } else { 1.0 };
        let (nu, nv) = (u / mm_u, v / mm_v);
        Local {
            u,
            v,
            w,
            nu,
            nv,
            nw,
            rho: (nu * nu + nv * nv + nw * nw).sqrt(),
            mm_u,
            mm_v,
        }
    }

    /// The point with the given normalised coordinates (the inverse of [`Prostate::local`]).
    pub fn point(&self, nu: f64, nv: f64, nw: f64) -> Vec3 {
        let t = taper(nw);
        let mm_v = self.semi[1] * t * if nv > 0.0 { POSTERIOR_FLATTENING } else { 1.0 };
        [
            self.centre[0] + nu * self.semi[0] * t,
            self.centre[1] + nv * mm_v,
            self.centre[2] + nw * self.semi[2],
        ]
    }

    /// Depth inside the capsule, mm (negative outside).
    pub fn gland_depth(&self, l: &Local) -> f64 {
        (1.0 - l.rho) * 0.5 * (l.mm_u + l.mm_v)
    }

    fn tz_depth(&self, l: &Local) -> f64 {
        let s = self.tz_size;
        let du = l.nu / s;
        let dv = (l.nv - TZ_CENTRE[1]) / (0.9 * s);
        let dw = (l.nw - TZ_CENTRE[2]) / (1.1 * s);
        (1.0 - (du * du + dv * dv + dw * dw).sqrt()) * s * 0.5 * (l.mm_u + l.mm_v)
    }

    fn as_depth(&self, l: &Local) -> f64 {
        let q = (l.nu / AS_SEMI[0]).powi(2) + ((l.nv + 1.0) / AS_SEMI[1]).powi(2);
        (1.0 - q.sqrt()) * (AS_SEMI[0] * l.mm_u).min(AS_SEMI[1] * l.mm_v)
    }

    fn cz_depth(&self, l: &Local) -> f64 {
        let half_width = 0.15 + 0.35 * (l.nw - CZ_FROM_NW).max(0.0) / (1.0 - CZ_FROM_NW);
        let q = (l.nu / half_width).powi(2) + ((l.nv - 0.35) / 0.45).powi(2);
        ((l.nw - CZ_FROM_NW) * self.semi[2])
            .min((1.0 - q.sqrt()) * (half_width * l.mm_u).min(0.45 * l.mm_v))
    }

    fn urethra_depth(&self, l: &Local) -> f64 {
        let dv = l.v - URETHRA_NV * l.mm_v;
        URETHRA_RADIUS_MM - (l.u * l.u + dv * dv).sqrt()
    }

    /// The zone at a point, or `None` outside the gland. The later zones in the painting order
    /// of [`Anatomy::props_at`] win, so TZ before AS before CZ before PZ.
    pub fn region(&self, l: &Local) -> Option<Region> {
        if self.gland_depth(l) <= 0.0 {
            None
        } else if self.tz_depth(l) > 0.0 {
            Some(Region::TZ)
        } else if self.as_depth(l) > 0.0 {
            Some(Region::AS)
        } else if self.cz_depth(l) > 0.0 {
            Some(Region::CZ)
        } else {
            Some(Region::PZ)
        }
    }

    pub fn region_at(&self, p: Vec3) -> Option<Region> {
        self.region(&self.local(p))
    }

    /// Depth inside the nearer seminal vesicle, mm, and its side.
    fn seminal_vesicle(&self, p: Vec3) -> (f64, Side) {
        let side = if p[0] >= self.centre[0] {
            Side::Left
        } else {
            Side::Right
        };
        let sign = if side == Side::Left { 1.0 } else { -1.0 };
        let centre = [
            self.centre[0] + sign * (0.45 * self.semi[0] + 4.0),
            self.centre[1] + 0.5 * self.semi[1] + 4.0,
            self.centre[2] + self.semi[2] + 2.0,
        ];
        (ellipsoid_depth(p, centre, [13.0, 5.5, 8.0]), side)
    }

    /// The PI-RADS v2.1 sector at a point: the level by thirds between apex and base, the side
    /// by x (patient left is +x), the zone from the model, and within the PZ the anterior,
    /// posterior-medial and posterior-lateral parts by the angle around the gland's axis (the
    /// coronal line through the centre separates anterior from posterior; 45° from the posterior
    /// midline separates medial from lateral). The TZ is split along the urethra.
    pub fn sector_at(&self, p: Vec3) -> Option<Sector> {
        let l = self.local(p);
        let side = if l.u >= 0.0 { Side::Left } else { Side::Right };
        let Some(region) = self.region(&l) else {
            let (depth, side) = self.seminal_vesicle(p);
            return (depth > 0.0).then_some(Sector::SeminalVesicle(side));
        };
        let level = if l.nw > 1.0 / 3.0 {
            Level::Base
        } else if l.nw < -1.0 / 3.0 {
            Level::Apex
        } else {
            Level::Mid
        };
        let sub = match region {
            Region::CZ => return Some(Sector::CentralZone(side)),
            Region::AS => SectorRegion::AS,
            Region::TZ if l.nv < URETHRA_NV => SectorRegion::TZa,
            Region::TZ => SectorRegion::TZp,
            Region::PZ => {
                // 0 at the posterior midline, π/2 lateral, π anterior.
                let angle = l.nu.abs().atan2(l.nv);
                if angle < std::f64::consts::FRAC_PI_4 {
                    SectorRegion::PZpm
                } else if angle < std::f64::consts::FRAC_PI_2 {
                    SectorRegion::PZpl
                } else {
                    SectorRegion::PZa
                }
            }
        };
        Some(Sector::Gland(level, side, sub))
    }

    /// Volume of the gland in ml, by integrating its cross-sections.
    pub fn volume_ml(&self) -> f64 {
        const STEPS: usize = 400;
        let half_ellipses = (1.0 + POSTERIOR_FLATTENING) / 2.0;
        let mut sum = 0.0;
        for i in 0..STEPS {
            let nw = -1.0 + (i as f64 + 0.5) * 2.0 / STEPS as f64;
            let t = taper(nw);
            let area = std::f64::consts::PI
                * self.semi[0]
                * self.semi[1]
                * half_ellipses
                * t
                * t
                * (1.0 - nw * nw);
            sum += area * self.semi[2] * 2.0 / STEPS as f64;
        }
        sum / 1000.0
    }

    /// Tissue of the gland at a point inside it, before lesions.
    fn gland_props(&self, l: &Local, p: Vec3) -> Props {
        // Fine striated texture of the PZ.
        let striation = 1.0 + 0.05 * ((0.55 * l.u + 0.35 * l.w).sin() * (0.45 * l.v).sin());
        let mut pz = tissue::PZ;
        pz.t2 *= striation as f32;
        let mut props = pz;
        props = props.lerp(tissue::CZ, edge(self.cz_depth(l), 1.5));
        props = props.lerp(tissue::AS, edge(self.as_depth(l), 1.5));
        let m_tz = edge(self.tz_depth(l), 1.2);
        if m_tz > 0.0 {
            let mut tz = tissue::TZ;
            for nodule in &self.nodules {
                let d2 = dist2(p, nodule.centre) / (nodule.radius_mm * nodule.radius_mm);
                if d2 < 2.0 {
                    // A rounded nodule with a thin dark capsule, as BPH nodules look on T2.
                    let d = d2.sqrt();
                    let k = edge((1.0 - d) * nodule.radius_mm, 1.5);
                    let rim = (-((d - 1.0) * nodule.radius_mm / 0.8).powi(2)).exp() as f32;
                    tz.t2 *= (1.0 + (nodule.t2_factor - 1.0) * k) * (1.0 - 0.35 * rim);
                    tz.adc *= 1.0 + (nodule.adc_factor - 1.0) * k;
                    tz.fast += nodule.fast * k;
                }
            }
            props = props.lerp(tz, m_tz);
        }
        props.lerp(tissue::URETHRA, edge(self.urethra_depth(l), 1.0))
    }
}

fn dist2(a: Vec3, b: Vec3) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Approximate depth inside an axis-aligned ellipsoid, mm.
fn ellipsoid_depth(p: Vec3, centre: Vec3, semi: Vec3) -> f64 {
    let q: f64 = (0..3).map(|i| ((p[i] - centre[i]) / semi[i]).powi(2)).sum();
    (1.0 - q.sqrt()) * semi[0].min(semi[1])
}

/// Partial-volume weight of a structure whose squared normalised radius at the point is `q`
/// (1 on its surface), `scale` mm per normalised unit: `edge` of its approximate depth, without
/// a square root away from the edge, where almost every pixel is.
fn weight(q: f64, scale: f64, width: f64) -> f32 {
    let k = 0.5 * width / scale;
    if q >= (1.0 + k) * (1.0 + k) {
        0.0
    } else if k < 1.0 && q <= (1.0 - k) * (1.0 - k) {
        1.0
    } else {
        edge((1.0 - q.sqrt()) * scale, width)
    }
}

/// Weight of an elliptic cylinder along z (`edge` of its approximate depth).
fn in_cylinder(p: Vec3, centre: [f64; 2], semi: [f64; 2], width: f64) -> f32 {
    let q = ((p[0] - centre[0]) / semi[0]).powi(2) + ((p[1] - centre[1]) / semi[1]).powi(2);
    weight(q, semi[0].min(semi[1]), width)
}

/// Weight of an axis-aligned ellipsoid (`edge` of its approximate depth).
fn in_ellipsoid(p: Vec3, centre: Vec3, semi: Vec3, width: f64) -> f32 {
    let q: f64 = (0..3).map(|i| ((p[i] - centre[i]) / semi[i]).powi(2)).sum();
    weight(q, semi[0].min(semi[1]), width)
}

/// A lesion: an ellipsoid with a lobulated margin, drawn inside the gland only.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LesionModel {
    pub centre: Vec3,
    pub semi: Vec3,
    /// Amplitude of the margin's lobulation (0 smooth, 0.2 irregular).
    pub irregularity: f64,
    pub lobe_phase: f64,
    /// What the lesion looks like at its centre.
    pub look: Props,
}

impl LesionModel {
    /// Depth inside the lesion's margin, mm.
    pub fn depth(&self, p: Vec3) -> f64 {
        let d = [
            p[0] - self.centre[0],
            p[1] - self.centre[1],
            p[2] - self.centre[2],
        ];
        let rho = (0..3)
            .map(|i| (d[i] / self.semi[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        let lobes = 1.0 + self.irregularity * (3.0 * d[1].atan2(d[0]) + self.lobe_phase).sin();
        (lobes - rho) * (self.semi[0] + self.semi[1] + self.semi[2]) / 3.0
    }

    pub fn contains(&self, p: Vec3) -> bool {
        self.depth(p) > 0.0
    }

    fn reach(&self) -> f64 {
        self.semi.iter().fold(0.0_f64, |a, &b| a.max(b)) * (1.0 + self.irregularity) + 2.0
    }
}

/// Case-specific pelvic anatomy around the gland.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pelvis {
    /// Rectal lumen filled with ultrasound gel (bright on T2) rather than gas.
    pub rectal_gel: bool,
    /// Lateral offset of the rectum, mm.
    pub rectum_shift: f64,
    /// Craniocaudal semi-axis of the bladder: how full it is.
    pub bladder_fill_mm: f64,
}

/// The whole phantom of one case.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Anatomy {
    pub prostate: Prostate,
    pub pelvis: Pelvis,
    pub lesions: Vec<LesionModel>,
}

impl Anatomy {
    /// Tissue properties at a point: structures painted back to front, each over what is
    /// beneath it by its partial-volume weight.
    pub fn props_at(&self, p: Vec3) -> Props {
        let gland = &self.prostate;
        let [cx, cy, cz] = gland.centre;
        let [a, b, h] = gland.semi;
        let (u, v, w) = (p[0] - cx, p[1] - cy, p[2] - cz);
        let mut props = tissue::AIR;

        props = props.lerp(
            tissue::FAT,
            in_cylinder(p, [cx, cy + 5.0], [170.0, 95.0], 2.0),
        );
        for side in [-1.0, 1.0] {
            // Rectus abdominis, obturator internus, and the ischium beside it.
            props = props.lerp(
                tissue::MUSCLE,
                in_cylinder(p, [cx + side * 25.0, cy - 80.0], [22.0, 7.0], 1.5),
            );
            props = props.lerp(
                tissue::MUSCLE,
                in_cylinder(p, [cx + side * (a + 20.0), cy - 5.0], [11.0, 32.0], 1.5),
            );
            let ischium = [cx + side * (a + 44.0), cy + 5.0];
            props = props.lerp(tissue::CORTEX, in_cylinder(p, ischium, [13.0, 30.0], 1.0));
            props = props.lerp(tissue::MARROW, in_cylinder(p, ischium, [10.5, 27.5], 1.0));
            // The pubic bones, anterior of the lower half of the gland.
            if w < 0.4 * h {
                let below = edge(0.4 * h - w, 3.0);
                let pubis = [cx + side * 15.0, cy - b - 26.0];
                props = props.lerp(
                    tissue::CORTEX,
                    below * in_cylinder(p, pubis, [15.0, 10.0], 1.0),
                );
                props = props.lerp(
                    tissue::MARROW,
                    below * in_cylinder(p, pubis, [12.5, 7.5], 1.0),
                );
            }
        }

        // Levator ani around the rectum, the fat inside it, the rectal wall and lumen.
        let rectum = [
            cx + self.pelvis.rectum_shift,
            cy + b * POSTERIOR_FLATTENING + 13.0,
        ];
        props = props.lerp(tissue::MUSCLE, in_cylinder(p, rectum, [27.0, 18.0], 1.5));
        props = props.lerp(tissue::FAT, in_cylinder(p, rectum, [24.0, 15.0], 1.5));
        props = props.lerp(
            tissue::RECTAL_WALL,
            in_cylinder(p, rectum, [17.0, 10.0], 1.0),
        );
        let lumen = if self.pelvis.rectal_gel {
            tissue::GEL
        } else {
            tissue::GAS
        };
        let lumen_semi = if self.pelvis.rectal_gel {
            [12.0, 6.0]
        } else {
            [10.0, 3.0]
        };
        props = props.lerp(lumen, in_cylinder(p, rectum, lumen_semi, 1.0));

        // The bladder sits on the base; its wall and urine.
        let fill = self.pelvis.bladder_fill_mm;
        let bladder = [cx, cy - 0.35 * b, cz + h + fill - 4.0];
        props = props.lerp(
            tissue::BLADDER_WALL,
            in_ellipsoid(p, bladder, [44.0, 34.0, fill], 1.0),
        );
        props = props.lerp(
            tissue::URINE,
            in_ellipsoid(p, bladder, [41.0, 31.0, fill - 3.0], 1.0),
        );

        // Seminal vesicles, with their convoluted fluid-filled tubules.
        let (sv_depth, _) = gland.seminal_vesicle(p);
        if sv_depth > -2.0 {
            let mut sv = tissue::SEMINAL_VESICLE;
            sv.t2 *= (0.8 + 0.2 * (0.9 * u).sin() * (1.1 * w).cos()) as f32;
            props = props.lerp(sv, edge(sv_depth, 1.2));
        }

        let l = gland.local(p);
        // Neurovascular bundles, posterolateral just outside the capsule.
        if l.nw.abs() < 1.0 && l.rho < 1.6 {
            let nvb_v = 0.76 * b * POSTERIOR_FLATTENING * taper(l.nw);
            for side in [-1.0, 1.0] {
                let du = u - side * 0.76 * l.mm_u;
                let dv = v - nvb_v;
                let depth = 2.5 - (du * du + dv * dv).sqrt();
                props = props.lerp(
                    tissue::VESSEL,
                    edge(depth, 1.0) * edge((0.85 - l.nw.abs()) * h, 3.0),
                );
            }
        }

        let m_gland = edge(gland.gland_depth(&l), 1.2);
        if m_gland > 0.0 {
            let mut inside = gland.gland_props(&l, p);
            for lesion in &self.lesions {
                if dist2(p, lesion.centre) < lesion.reach().powi(2) {
                    inside = inside.lerp(lesion.look, edge(lesion.depth(p), 1.5));
                }
            }
            props = props.lerp(inside, m_gland);
        }
        props
    }
}

/// The sectors a lesion overlaps: every sector that holds a point of the lesion inside the
/// gland (sampled on a grid of 1/8 of each semi-axis), in map order.
pub(crate) fn lesion_sectors(prostate: &Prostate, lesion: &LesionModel) -> Vec<Sector> {
    const N: i32 = 8;
    let reach = 1.0 + lesion.irregularity;
    let mut sectors = std::collections::BTreeSet::new();
    if let Some(sector) = prostate.sector_at(lesion.centre) {
        sectors.insert(sector);
    }
    for i in -N..=N {
        for j in -N..=N {
            for k in -N..=N {
                let step = |axis: usize, n: i32| {
                    lesion.centre[axis] + lesion.semi[axis] * reach * f64::from(n) / f64::from(N)
                };
                let p = [step(0, i), step(1, j), step(2, k)];
                // Lesions are drawn inside the gland only, so seminal vesicle points don't count.
                if lesion.contains(p)
                    && let Some(sector) = prostate.sector_at(p)
                    && !matches!(sector, Sector::SeminalVesicle(_))
                {
                    sectors.insert(sector);
                }
            }
        }
    }
    sectors.into_iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;

    fn gland() -> Prostate {
        Prostate {
            centre: [2.0, 5.0, -10.0],
            semi: [25.0, 18.0, 20.0],
            tz_size: 0.62,
            nodules: Vec::new(),
        }
    }

    fn sector_name(nu: f64, nv: f64, nw: f64) -> Option<String> {
        let g = gland();
        g.sector_at(g.point(nu, nv, nw)).map(|s| s.to_string())
    }

    #[test]
    fn points_map_to_their_pirads_sectors() {
        // (normalised left-right, anterior-posterior, inferior-superior), expected sector.
        // +x is the patient's left, +y posterior, +z superior.
        let cases = [
            ((0.6, 0.5, 0.0), "mid-left-PZpl"),
            ((-0.6, 0.5, 0.0), "mid-right-PZpl"),
            ((-0.15, 0.85, 0.0), "mid-right-PZpm"),
            ((0.15, 0.7, -0.6), "apex-left-PZpm"),
            ((0.7, -0.25, -0.55), "apex-left-PZa"),
            ((-0.85, -0.1, 0.1), "mid-right-PZa"),
            ((-0.3, -0.45, 0.5), "base-right-TZa"),
            ((0.3, 0.1, 0.0), "mid-left-TZp"),
            ((-0.1, -0.9, 0.0), "mid-right-AS"),
            ((0.1, -0.6, -0.7), "apex-left-AS"),
            ((0.15, 0.5, 0.6), "base-left-CZ"),
            ((-0.15, 0.5, 0.6), "base-right-CZ"),
            ((0.75, 0.4, 0.5), "base-left-PZpl"),
        ];
        for ((nu, nv, nw), expected) in cases {
            assert_eq!(
                sector_name(nu, nv, nw).as_deref(),
                Some(expected),
                "point ({nu}, {nv}, {nw})"
            );
        }
    }

    #[test]
    fn points_outside_the_gland_have_no_sector_except_in_the_seminal_vesicles() {
        let g = gland();
        assert_eq!(g.sector_at(g.point(0.0, 1.4, 0.0)), None, "rectum");
        assert_eq!(g.sector_at(g.point(1.3, 0.0, 0.0)), None, "lateral fat");
        assert_eq!(g.sector_at(g.point(0.0, 0.0, -1.2)), None, "below the apex");
        let sv_left = [
            g.centre[0] + 0.45 * 25.0 + 4.0,
            g.centre[1] + 0.5 * 18.0 + 4.0,
            g.centre[2] + 20.0 + 3.0,
        ];
        assert_eq!(
            g.sector_at(sv_left).map(|s| s.to_string()).as_deref(),
            Some("SV-left")
        );
    }

    #[test]
    fn levels_are_thirds_between_apex_and_base() {
        for (nw, level) in [(-0.75, "apex"), (-0.2, "mid"), (0.2, "mid"), (0.75, "base")] {
            let name = sector_name(0.4, 0.5, nw).unwrap_or_default();
            assert!(name.starts_with(level), "{nw}: {name}");
        }
    }

    #[test]
    fn the_point_function_inverts_local_coordinates() {
        let g = gland();
        for (nu, nv, nw) in [(0.3, -0.4, 0.2), (-0.7, 0.6, -0.5)] {
            let l = g.local(g.point(nu, nv, nw));
            assert!(
                (l.nu - nu).abs() < 1e-9 && (l.nv - nv).abs() < 1e-9 && (l.nw - nw).abs() < 1e-9
            );
        }
    }

    #[test]
    fn a_lesion_straddling_the_pz_and_tz_lists_both() {
        let g = gland();
        let lesion = LesionModel {
            centre: g.point(0.45, 0.45, 0.0),
            semi: [7.0, 7.0, 7.0],
            irregularity: 0.0,
            lobe_phase: 0.0,
            look: tissue::PZ,
        };
        let names: Vec<String> = lesion_sectors(&g, &lesion)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(names.contains(&"mid-left-PZpl".to_owned()), "{names:?}");
        assert!(names.contains(&"mid-left-TZp".to_owned()), "{names:?}");
        assert!(names.iter().all(|n| n.contains("left")), "{names:?}");
    }

    #[test]
    fn the_volume_matches_the_ellipsoid_formula_roughly() {
        let g = gland();
        let ellipsoid = 4.0 / 3.0 * std::f64::consts::PI * 25.0 * 18.0 * 0.925 * 20.0 / 1000.0;
        let v = g.volume_ml();
        assert!(v > 0.75 * ellipsoid && v < ellipsoid, "{v} vs {ellipsoid}");
    }
}
