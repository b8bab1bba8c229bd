//! The demo case bank: a deterministic generator of synthetic prostate mpMRI studies, so that a
//! new installation can be tried end to end without patient data. Each case is a set of real
//! DICOM Part 10 files (T2W, DWI b1400, ADC and multi-phase DCE of one analytic phantom, in one
//! frame of reference) and a [`CaseManifest`] whose truth (ISUP grade, PI-RADS sectors, centre
//! and radius of each lesion) is computed from the same model the pixels are drawn from.
//!
//! This crate must never produce anything that could pass for patient data: every file says
//! it is synthetic (study description, image comments, patient name), and every manifest is
//! marked `synthetic` with a title that starts with "Synthetic". It must never depend on
//! anything but its seed: the same (seed, index) gives byte-identical files on every machine,
//! so no clock, no environment, no global state and no thread-dependent order. It does no IO.

mod anatomy;
mod dicom;
mod ids;
mod plan;
mod render;

use readroom_domain::CaseManifest;

use crate::dicom::{Image, Series};

/// The seed of the shipped demo bank ("READROOM" in ASCII).
pub const DEFAULT_SEED: u64 = 0x5245_4144_524F_4F4D;

/// Number of cases in the shipped demo bank.
pub const DEFAULT_CASE_COUNT: usize = 30;

/// One generated file, named by its path inside the bank, e.g. `demo-007/T2W/slice-012.dcm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One generated case: its DICOM files and the manifest to import beside them.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCase {
    pub manifest: CaseManifest,
    pub files: Vec<DemoFile>,
}

/// Why a case could not be encoded. Encoding an in-memory object into a `Vec` fails only on a
/// bug in this crate, so this is never expected at run time.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("failed to encode {file} as DICOM: {message}")]
    Encode { file: String, message: String },
}

/// Case `index` of the bank generated from `seed`; the same (seed, index) always gives
/// byte-identical files and manifest. Independent per index so callers can generate cases in
/// parallel.
///
/// # Panics
///
/// Only if dicom-object fails to encode a data set that this crate built in memory (see
/// [`try_generate_case`]), which would be a bug here, not a condition a caller can meet.
pub fn generate_case(seed: u64, index: usize) -> DemoCase {
    try_generate_case(seed, index).unwrap_or_else(|err| panic!("readroom-cases bug: {err}"))
}

/// [`generate_case`], returning the encoding error instead of panicking on it.
pub fn try_generate_case(seed: u64, index: usize) -> Result<DemoCase, GenerateError> {
    let plan = plan::plan_case(seed, index);
    let pixels = render::render(&plan);
    let slices = plan.geometry.slices;
    let mut files = Vec::with_capacity(slices * (3 + render::DCE_PHASES));
    let mut add = |image: Image, pixels: Vec<u16>| -> Result<(), GenerateError> {
        files.push(DemoFile {
            name: image.file_name(plan.number),
            bytes: dicom::write_image(&plan, image, pixels)?,
        });
        Ok(())
    };
    let render::Pixels { t2, dwi, adc, dce } = pixels;
    for (series, images) in [(Series::T2w, t2), (Series::Dwi, dwi), (Series::Adc, adc)] {
        for (slice, pixels) in images.into_iter().enumerate() {
            add(
                Image {
                    series,
                    slice,
                    phase: 0,
                },
                pixels,
            )?;
        }
    }
    for (phase, images) in dce.into_iter().enumerate() {
        for (slice, pixels) in images.into_iter().enumerate() {
            add(
                Image {
                    series: Series::Dce,
                    slice,
                    phase,
                },
                pixels,
            )?;
        }
    }
    Ok(DemoCase {
        manifest: plan.manifest,
        files,
    })
}

/// The manifest of case `index` without rendering its images: the same value as
/// `generate_case(seed, index).manifest`, at a small fraction of the cost.
pub fn case_manifest(seed: u64, index: usize) -> CaseManifest {
    plan::plan_case(seed, index).manifest
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests;
