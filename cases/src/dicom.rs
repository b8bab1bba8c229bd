//! Writing the pixels of a case as DICOM Part 10 files: MR Image Storage, Explicit VR Little
//! Endian, one file per slice (and per phase for DCE).

use dicom_core::value::{C, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;

use crate::GenerateError;
use crate::ids::{UidKind, uid};
use crate::plan::{CasePlan, SLICE_MM};
use crate::render::{
    B_VALUE, DCE_INTERVAL_S, DCE_PHASES, LOW_SIZE, LOW_SPACING_MM, T2_SIZE, T2_SPACING_MM,
    grid_origin, phase_time_s,
};

/// Identifies this generator in the file meta group (a fixed UID under 2.25).
const IMPLEMENTATION_CLASS_UID: &str = "2.25.255760457209846434283478150839126340893";
const IMPLEMENTATION_VERSION_NAME: &str = "READROOM_CASES";
pub(crate) const STUDY_DESCRIPTION: &str = "SYNTHETIC prostate mpMRI phantom";
pub(crate) const IMAGE_COMMENTS: &str = "SYNTHETIC — not patient data";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Series {
    T2w,
    Dwi,
    Adc,
    Dce,
}

impl Series {
    pub fn number(self) -> u32 {
        match self {
            Series::T2w => 1,
            Series::Dwi => 2,
            Series::Adc => 3,
            Series::Dce => 4,
        }
    }

    pub fn folder(self) -> &'static str {
        match self {
            Series::T2w => "T2W",
            Series::Dwi => "DWI",
            Series::Adc => "ADC",
            Series::Dce => "DCE",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Series::T2w => "T2W TSE ax",
            Series::Dwi => "DWI b1400",
            Series::Adc => "ADC",
            Series::Dce => "DCE",
        }
    }

    fn size_and_spacing(self) -> (usize, f64) {
        match self {
            Series::T2w => (T2_SIZE, T2_SPACING_MM),
            _ => (LOW_SIZE, LOW_SPACING_MM),
        }
    }

    /// Window centre and width for a first look.
    fn window(self) -> (u32, u32) {
        match self {
            Series::T2w => (1400, 2800),
            Series::Dwi => (400, 800),
            Series::Adc => (1200, 2400),
            Series::Dce => (700, 1400),
        }
    }

    /// Minutes after the study start at which the series was acquired.
    fn minute(self) -> u32 {
        match self {
            Series::T2w => 3,
            Series::Dwi | Series::Adc => 9,
            Series::Dce => 15,
        }
    }
}

/// One image to write: which series, slice and (DCE) phase, 0-based.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Image {
    pub series: Series,
    pub slice: usize,
    pub phase: usize,
}

impl Image {
    pub fn instance_number(self, slices: usize) -> usize {
        self.phase * slices + self.slice + 1
    }

    pub fn file_name(self, number: usize) -> String {
        let case = format!("demo-{number:03}/{}", self.series.folder());
        match self.series {
            Series::Dce => format!(
                "{case}/phase-{:02}-slice-{:03}.dcm",
                self.phase + 1,
                self.slice + 1
            ),
            _ => format!("{case}/slice-{:03}.dcm", self.slice + 1),
        }
    }
}

fn ds(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

fn time_of_day(seconds: u32) -> String {
    let seconds = seconds % (24 * 3600);
    format!(
        "{:02}{:02}{:02}",
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    )
}

struct Writer {
    obj: InMemDicomObject,
}

impl Writer {
    fn str(&mut self, tag: Tag, vr: VR, value: impl Into<String>) {
        self.obj.put_str(tag, vr, value);
    }

    fn strs(&mut self, tag: Tag, vr: VR, values: &[String]) {
        let values: C<String> = values.iter().cloned().collect();
        self.obj
            .put(DataElement::new(tag, vr, PrimitiveValue::Strs(values)));
    }

    fn us(&mut self, tag: Tag, value: u16) {
        self.obj
            .put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
    }
}

/// Encodes one image as a DICOM Part 10 file.
pub(crate) fn write_image(
    plan: &CasePlan,
    image: Image,
    pixels: Vec<u16>,
) -> Result<Vec<u8>, GenerateError> {
    let series = image.series;
    let geometry = &plan.geometry;
    let patient = &plan.patient;
    let (size, spacing) = series.size_and_spacing();
    let origin = grid_origin(geometry, size, spacing);
    let z = geometry.slice_z(image.slice);
    let case = [plan.seed, plan.index as u64];
    let series_uid = uid(
        UidKind::Series,
        &[case[0], case[1], u64::from(series.number())],
    );
    let instance = image.instance_number(geometry.slices);
    let sop_uid = uid(
        UidKind::Instance,
        &[
            case[0],
            case[1],
            u64::from(series.number()),
            instance as u64,
        ],
    );
    let study_seconds = patient.study_minute * 60;
    let series_seconds = study_seconds + series.minute() * 60;
    let content_seconds = if series == Series::Dce {
        series_seconds + phase_time_s(image.phase) as u32
    } else {
        series_seconds
    };
    let (centre, width) = series.window();

    let mut w = Writer {
        obj: InMemDicomObject::new_empty(),
    };
    // Non-ASCII text (the dash in the image comments) is UTF-8.
    w.str(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    let image_type: &[&str] = match series {
        Series::Adc => &["DERIVED", "PRIMARY", "ADC", "ADC"],
        Series::Dwi => &["ORIGINAL", "PRIMARY", "DIFFUSION", "TRACEW"],
        _ => &["ORIGINAL", "PRIMARY", "M", "ND"],
    };
    let image_type: Vec<String> = image_type.iter().map(|s| (*s).to_owned()).collect();
    w.strs(tags::IMAGE_TYPE, VR::CS, &image_type);
    w.str(tags::SOP_CLASS_UID, VR::UI, uids::MR_IMAGE_STORAGE);
    w.str(tags::SOP_INSTANCE_UID, VR::UI, sop_uid.as_str());
    for tag in [
        tags::STUDY_DATE,
        tags::SERIES_DATE,
        tags::ACQUISITION_DATE,
        tags::CONTENT_DATE,
    ] {
        w.str(tag, VR::DA, patient.study_date.as_str());
    }
    w.str(tags::STUDY_TIME, VR::TM, time_of_day(study_seconds));
    w.str(tags::SERIES_TIME, VR::TM, time_of_day(series_seconds));
    w.str(tags::ACQUISITION_TIME, VR::TM, time_of_day(content_seconds));
    w.str(tags::CONTENT_TIME, VR::TM, time_of_day(content_seconds));
    w.str(
        tags::ACCESSION_NUMBER,
        VR::SH,
        format!("SYNTH{:03}", plan.number),
    );
    w.str(tags::MODALITY, VR::CS, "MR");
    w.str(tags::MANUFACTURER, VR::LO, "Readroom synthetic phantom");
    w.str(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "");
    w.str(tags::STUDY_DESCRIPTION, VR::LO, STUDY_DESCRIPTION);
    w.str(tags::SERIES_DESCRIPTION, VR::LO, series.description());
    w.str(
        tags::MANUFACTURER_MODEL_NAME,
        VR::LO,
        "Readroom synthetic phantom",
    );
    w.str(tags::PATIENT_NAME, VR::PN, patient.name.as_str());
    w.str(tags::PATIENT_ID, VR::LO, patient.id.as_str());
    w.str(
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        patient.birth_date.as_str(),
    );
    w.str(tags::PATIENT_SEX, VR::CS, "M");
    w.str(tags::PATIENT_AGE, VR::AS, format!("{:03}Y", patient.age));

    w.str(tags::BODY_PART_EXAMINED, VR::CS, "PROSTATE");
    let (sequence, variant, acquisition, tr, te) = match series {
        Series::T2w => ("SE", "SK\\SP", "2D", 4500.0, 110.0),
        Series::Dwi | Series::Adc => ("EP", "SK\\SP", "2D", 4000.0, 70.0),
        Series::Dce => ("GR", "SP\\SS", "3D", 4.5, 1.6),
    };
    w.str(tags::SCANNING_SEQUENCE, VR::CS, sequence);
    w.str(tags::SEQUENCE_VARIANT, VR::CS, variant);
    w.str(tags::MR_ACQUISITION_TYPE, VR::CS, acquisition);
    w.str(tags::SLICE_THICKNESS, VR::DS, ds(SLICE_MM));
    w.str(tags::REPETITION_TIME, VR::DS, ds(tr));
    w.str(tags::ECHO_TIME, VR::DS, ds(te));
    w.str(tags::MAGNETIC_FIELD_STRENGTH, VR::DS, "3");
    w.str(tags::SPACING_BETWEEN_SLICES, VR::DS, ds(SLICE_MM));
    w.str(
        tags::SOFTWARE_VERSIONS,
        VR::LO,
        concat!("readroom-cases ", env!("CARGO_PKG_VERSION")),
    );
    w.str(tags::PROTOCOL_NAME, VR::LO, series.description());
    if series == Series::Dce {
        w.str(
            tags::TRIGGER_TIME,
            VR::DS,
            ds(phase_time_s(image.phase) * 1000.0),
        );
        w.str(tags::FLIP_ANGLE, VR::DS, "12");
    }
    w.str(tags::PATIENT_POSITION, VR::CS, "FFS");
    if series == Series::Dwi {
        w.obj.put(DataElement::new(
            tags::DIFFUSION_B_VALUE,
            VR::FD,
            PrimitiveValue::from(B_VALUE),
        ));
    }

    w.str(
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        plan.manifest.study_instance_uid.as_str(),
    );
    w.str(tags::SERIES_INSTANCE_UID, VR::UI, series_uid.as_str());
    w.str(tags::STUDY_ID, VR::SH, "1");
    w.str(tags::SERIES_NUMBER, VR::IS, series.number().to_string());
    let acquisition_number = if series == Series::Dce {
        image.phase + 1
    } else {
        1
    };
    w.str(
        tags::ACQUISITION_NUMBER,
        VR::IS,
        acquisition_number.to_string(),
    );
    w.str(tags::INSTANCE_NUMBER, VR::IS, instance.to_string());
    let position = [ds(origin[0]), ds(origin[1]), ds(z)];
    w.strs(tags::IMAGE_POSITION_PATIENT, VR::DS, &position);
    let orientation: Vec<String> = ["1", "0", "0", "0", "1", "0"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    w.strs(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, &orientation);
    w.str(
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        plan.frame_of_reference_uid(),
    );
    w.str(tags::POSITION_REFERENCE_INDICATOR, VR::LO, "");
    if series == Series::Dce {
        w.str(
            tags::TEMPORAL_POSITION_IDENTIFIER,
            VR::IS,
            (image.phase + 1).to_string(),
        );
        w.str(
            tags::NUMBER_OF_TEMPORAL_POSITIONS,
            VR::IS,
            DCE_PHASES.to_string(),
        );
        w.str(
            tags::TEMPORAL_RESOLUTION,
            VR::DS,
            ds(DCE_INTERVAL_S * 1000.0),
        );
    }
    w.str(tags::SLICE_LOCATION, VR::DS, ds(z));
    w.str(tags::IMAGE_COMMENTS, VR::LT, IMAGE_COMMENTS);

    w.us(tags::SAMPLES_PER_PIXEL, 1);
    w.str(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    w.us(tags::ROWS, size as u16);
    w.us(tags::COLUMNS, size as u16);
    w.strs(tags::PIXEL_SPACING, VR::DS, &[ds(spacing), ds(spacing)]);
    w.us(tags::BITS_ALLOCATED, 16);
    w.us(tags::BITS_STORED, 12);
    w.us(tags::HIGH_BIT, 11);
    w.us(tags::PIXEL_REPRESENTATION, 0);
    w.str(tags::WINDOW_CENTER, VR::DS, centre.to_string());
    w.str(tags::WINDOW_WIDTH, VR::DS, width.to_string());
    if series == Series::Adc {
        // The ADC map is quantitative: say what its stored values mean.
        w.str(tags::RESCALE_INTERCEPT, VR::DS, "0");
        w.str(tags::RESCALE_SLOPE, VR::DS, "1");
        w.str(tags::RESCALE_TYPE, VR::LO, "10^-6 mm2/s");
    }
    w.str(tags::BURNED_IN_ANNOTATION, VR::CS, "NO");
    w.obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(C::from_vec(pixels)),
    ));

    let name = image.file_name(plan.number);
    let error = |message: String| GenerateError::Encode {
        file: name.clone(),
        message,
    };
    let file = w
        .obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                .implementation_version_name(IMPLEMENTATION_VERSION_NAME),
        )
        .map_err(|err| error(err.to_string()))?;
    let mut bytes = Vec::with_capacity(size * size * 2 + 4096);
    file.write_all(&mut bytes)
        .map_err(|err| error(err.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_are_short_and_plain() {
        assert_eq!(ds(0.7), "0.7");
        assert_eq!(ds(3.0), "3");
        assert_eq!(ds(-89.25), "-89.25");
        assert_eq!(ds(-0.00001), "0");
        assert!(ds(-123456.123456).len() <= 16);
    }

    #[test]
    fn file_names_follow_series_and_slice() {
        let t2 = Image {
            series: Series::T2w,
            slice: 11,
            phase: 0,
        };
        assert_eq!(t2.file_name(7), "demo-007/T2W/slice-012.dcm");
        let dce = Image {
            series: Series::Dce,
            slice: 0,
            phase: 2,
        };
        assert_eq!(dce.file_name(7), "demo-007/DCE/phase-03-slice-001.dcm");
        assert_eq!(dce.instance_number(20), 41);
    }
}
