//! From decoded frames to the viewer-ready form of a series: frames ordered in space and time,
//! geometry in patient coordinates, window presets, the voxel object (one zstd frame per image,
//! so that one image or the whole series can be served without recompressing) and a thumbnail.

use std::cell::RefCell;
use std::io::Cursor;

use rayon::prelude::*;
use readroom_dicom::{Frame, FramePixels};
use readroom_domain::{PixelFormat, PreparedFrame, PreparedSeries, SeriesKind, WindowPreset};

/// Compression of stored voxels: zstd's fast strategy (level 1), searching for matches at only
/// every few positions where it finds none (target length 4, as negative levels do) while still
/// Huffman-coding the literals (which negative levels stop doing). The samples of 16-bit MR are
/// mostly literals, so the skipped search costs about 1 % of size (1.5:1 either way on the demo
/// bank) and makes compression two to three times faster than plain level 1; level 3 gains a
/// few percent of size at under half level 1's speed.
const ZSTD_LEVEL: i32 = 1;
const ZSTD_TARGET_LENGTH: u32 = 4;
const THUMBNAIL_SIZE: u32 = 128;

/// What a series' source said about itself, before anonymisation removed the descriptions.
#[derive(Debug, Clone)]
pub struct SeriesLabel {
    pub uid: String,
    pub number: Option<i64>,
    pub modality: String,
    pub source_description: String,
    pub diffusion_b_value: Option<f64>,
    /// As anonymised.
    pub frame_of_reference_uid: Option<String>,
}

#[derive(Debug)]
pub struct Prepared {
    pub series: PreparedSeries,
    /// The voxel object in parts, one compressed image each, to be written back to back.
    pub voxels: Vec<Vec<u8>>,
    pub thumbnail_png: Vec<u8>,
}

/// Prepares a DICOM series as one or more stacks: a series may hold images of several
/// orientations or sizes (a three-plane localiser), and each such stack is a volume of its own
/// for the viewer. With one stack, it keeps the series UID; otherwise stack `k` is `<uid>.<k>`.
/// Each instance goes with the stack of its first frame.
pub fn prepare_stacks<I>(
    label: &SeriesLabel,
    frames: Vec<(usize, Frame)>,
    instances: Vec<I>,
) -> Result<Vec<(Prepared, Vec<I>)>, String> {
    let mut stacks: Vec<(StackKey, Vec<(usize, Frame)>)> = Vec::new();
    for (instance, frame) in frames {
        let key = StackKey::of(&frame);
        match stacks.iter_mut().find(|(k, _)| *k == key) {
            Some((_, stack)) => stack.push((instance, frame)),
            None => stacks.push((key, vec![(instance, frame)])),
        }
    }
    let mut owner = vec![None; instances.len()];
    for (index, (_, stack)) in stacks.iter().enumerate() {
        for (instance, _) in stack {
            owner[*instance].get_or_insert(index);
        }
    }
    let mut grouped: Vec<Vec<I>> = stacks.iter().map(|_| Vec::new()).collect();
    for (instance, stack) in instances.into_iter().zip(owner) {
        grouped[stack.unwrap_or(0)].push(instance);
    }
    let several = stacks.len() > 1;
    stacks
        .into_iter()
        .zip(grouped)
        .enumerate()
        .map(|(index, ((_, stack), instances))| {
            let mut label = label.clone();
            if several {
                label.uid = format!("{}.{}", label.uid, index + 1);
            }
            let frames = stack.into_iter().map(|(_, frame)| frame).collect();
            Ok((prepare_series(&label, frames)?, instances))
        })
        .collect()
}

/// What the frames of one stack share: size, signedness and orientation.
#[derive(Debug, PartialEq)]
struct StackKey {
    rows: u32,
    columns: u32,
    signed: bool,
    orientation: Option<[i64; 6]>,
}

impl StackKey {
    fn of(frame: &Frame) -> StackKey {
        StackKey {
            rows: frame.rows,
            columns: frame.columns,
            signed: matches!(frame.pixels, FramePixels::I16(_)),
            // Rounded so that the scanner's last digits do not split a stack.
            orientation: frame
                .image_orientation
                .map(|o| o.map(|c| (c * 1000.0).round() as i64)),
        }
    }
}

/// Orders the frames of one stack and builds its prepared form.
pub fn prepare_series(label: &SeriesLabel, frames: Vec<Frame>) -> Result<Prepared, String> {
    let first = frames.first().ok_or("series has no images")?;
    let (rows, columns) = (first.rows, first.columns);
    if frames
        .iter()
        .any(|f| (f.rows, f.columns) != (rows, columns))
    {
        return Err("images of different sizes in one series".into());
    }
    let pixel_format = match &first.pixels {
        FramePixels::U16(_) => PixelFormat::U16,
        FramePixels::I16(_) => PixelFormat::I16,
    };
    if frames
        .iter()
        .any(|f| matches!(f.pixels, FramePixels::U16(_)) != (pixel_format == PixelFormat::U16))
    {
        return Err("signed and unsigned images in one series".into());
    }
    let orientation = first
        .image_orientation
        .unwrap_or([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    let row_direction = [orientation[0], orientation[1], orientation[2]];
    let column_direction = [orientation[3], orientation[4], orientation[5]];
    let normal = cross(row_direction, column_direction);
    if norm(normal) < 0.5 {
        return Err("image orientation is degenerate".into());
    }
    if frames.iter().any(|f| {
        f.image_orientation
            .is_some_and(|o| o.iter().zip(orientation).any(|(a, b)| (a - b).abs() > 1e-3))
    }) {
        return Err("images of different orientations in one series".into());
    }

    let ordered = order_frames(frames, normal)?;
    let slices = ordered.first().map_or(0, Vec::len) as u32;
    let phases = ordered.len() as u32;
    let positions: Vec<[f64; 3]> = ordered[0]
        .iter()
        .enumerate()
        .map(|(i, f)| f.image_position.unwrap_or([0.0, 0.0, i as f64]))
        .collect();
    let first = &ordered[0][0];
    let slice_thickness_mm = first.slice_thickness;
    let slice_spacing_mm = slice_spacing(&positions, normal)
        .or(slice_thickness_mm)
        .unwrap_or(1.0);
    let pixel_spacing_mm = first.pixel_spacing.unwrap_or([1.0, 1.0]);
    let (scanner_window, invert, units) = (first.window, first.monochrome1, first.units.clone());

    let frames: Vec<(u32, u32, Frame)> = ordered
        .into_iter()
        .enumerate()
        .flat_map(|(phase, frames)| {
            frames
                .into_iter()
                .enumerate()
                .map(move |(slice, frame)| (slice as u32, phase as u32, frame))
        })
        .collect();

    let compressed: Vec<Vec<u8>> = frames
        .par_iter()
        .map(|(_, _, frame)| compress_frame(&frame.pixels))
        .collect::<Result<_, _>>()
        .map_err(|err| format!("cannot compress voxels: {err}"))?;
    // The object is the compressed images back to back; they are not copied into one buffer.
    let mut voxels_hash = blake3::Hasher::new();
    let mut voxels_bytes = 0;
    let mut prepared_frames = Vec::with_capacity(frames.len());
    for ((slice, phase, frame), bytes) in frames.iter().zip(&compressed) {
        prepared_frames.push(PreparedFrame {
            slice: *slice,
            phase: *phase,
            position_lps_mm: frame
                .image_position
                .unwrap_or([0.0, 0.0, f64::from(*slice)]),
            rescale_slope: frame.rescale_slope,
            rescale_intercept: frame.rescale_intercept,
            offset: voxels_bytes,
            length: bytes.len() as u64,
        });
        voxels_hash.update(bytes);
        voxels_bytes += bytes.len() as u64;
    }

    let auto = auto_window(&frames.iter().map(|(_, _, f)| f).collect::<Vec<_>>());
    let mut window_presets = Vec::new();
    if let Some((center, width)) = scanner_window.filter(|(_, width)| *width > 0.0) {
        window_presets.push(WindowPreset {
            name: "Scanner".into(),
            center,
            width,
        });
    }
    window_presets.push(auto.clone());

    let kind = classify(label, phases);
    let thumbnail_frame = &frames[(frames.len() / phases as usize) / 2].2;
    let thumbnail_png = thumbnail(thumbnail_frame, &auto, invert)?;

    Ok(Prepared {
        series: PreparedSeries {
            uid: label.uid.clone(),
            number: label.number,
            kind,
            modality: label.modality.clone(),
            description: describe(kind, label, normal, phases),
            rows,
            columns,
            slices,
            phases,
            pixel_format,
            row_direction,
            column_direction,
            normal,
            pixel_spacing_mm,
            slice_spacing_mm,
            slice_thickness_mm,
            invert,
            units: units.or_else(|| default_units(kind)),
            diffusion_b_value: label.diffusion_b_value,
            frame_of_reference_uid: label.frame_of_reference_uid.clone(),
            window_presets,
            frames: prepared_frames,
            voxels_hash: voxels_hash.finalize().to_hex().to_string(),
            voxels_bytes,
        },
        voxels: compressed,
        thumbnail_png,
    })
}

/// Splits frames into phases (by temporal position, or by repeated positions) and sorts each
/// phase along the slice normal. Every phase must cover the same slices.
fn order_frames(frames: Vec<Frame>, normal: [f64; 3]) -> Result<Vec<Vec<Frame>>, String> {
    let along = |f: &Frame| f.image_position.map_or(0.0, |p| dot(p, normal));
    let mut phases: Vec<Vec<Frame>> = Vec::new();
    if frames.iter().any(|f| f.temporal_position.is_some()) {
        let mut keys: Vec<u32> = frames
            .iter()
            .map(|f| f.temporal_position.unwrap_or(0))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        phases.resize_with(keys.len(), Vec::new);
        for frame in frames {
            let key = frame.temporal_position.unwrap_or(0);
            let phase = keys.binary_search(&key).unwrap_or_default();
            phases[phase].push(frame);
        }
    } else {
        // Without temporal positions, a position seen again starts the next phase.
        for frame in frames {
            let position = along(&frame);
            let phase = phases
                .iter()
                .position(|phase| {
                    frame.image_position.is_none()
                        || !phase.iter().any(|f| (along(f) - position).abs() < 1e-3)
                })
                .unwrap_or(phases.len());
            if phase == phases.len() {
                phases.push(Vec::new());
            }
            phases[phase].push(frame);
        }
    }
    for phase in &mut phases {
        phase.sort_by(|a, b| along(a).total_cmp(&along(b)));
    }
    let slices = phases[0].len();
    if phases.iter().any(|phase| phase.len() != slices) {
        return Err("the phases of the series cover different numbers of slices".into());
    }
    Ok(phases)
}

/// The mean distance between neighbouring slices: the stack's extent over its gaps, so that
/// slice `i` lies at `i × spacing` from the first.
fn slice_spacing(positions: &[[f64; 3]], normal: [f64; 3]) -> Option<f64> {
    let (first, last) = (positions.first()?, positions.last()?);
    let extent = (dot(*last, normal) - dot(*first, normal)).abs();
    (positions.len() > 1 && extent > 1e-6).then(|| extent / (positions.len() - 1) as f64)
}

fn classify(label: &SeriesLabel, phases: u32) -> SeriesKind {
    let text = label.source_description.to_ascii_lowercase();
    if phases > 1 || text.contains("dce") || text.contains("dyn") {
        SeriesKind::Dce
    } else if text.contains("adc") || text.contains("apparent") {
        SeriesKind::Adc
    } else if label.diffusion_b_value.is_some_and(|b| b >= 400.0)
        || ["dwi", "diff", "trace", "b1400", "b2000", "b1500"]
            .iter()
            .any(|k| text.contains(k))
    {
        SeriesKind::Dwi
    } else if text.contains("t2") {
        SeriesKind::T2w
    } else {
        SeriesKind::Other
    }
}

/// A description built from what the series is. The source's own free text is not kept: it
/// can carry identifying details.
fn describe(kind: SeriesKind, label: &SeriesLabel, normal: [f64; 3], phases: u32) -> String {
    let plane = match normal.map(f64::abs) {
        [x, y, z] if z >= x && z >= y => "axial",
        [x, y, _] if x >= y => "sagittal",
        _ => "coronal",
    };
    match kind {
        SeriesKind::T2w => format!("T2W {plane}"),
        SeriesKind::Dwi => match label.diffusion_b_value {
            Some(b) => format!("DWI b={b:.0} {plane}"),
            None => format!("DWI {plane}"),
        },
        SeriesKind::Adc => format!("ADC {plane}"),
        SeriesKind::Dce => format!("DCE {plane}, {phases} phases"),
        SeriesKind::Other => format!("{} {plane}", label.modality),
    }
}

fn default_units(kind: SeriesKind) -> Option<String> {
    (kind == SeriesKind::Adc).then(|| "10^-6 mm²/s".to_owned())
}

/// One frame's values as stored: little-endian words, one zstd frame. Each thread keeps a
/// compression context and a word buffer (as large as its largest frame), which would
/// otherwise be allocated and initialised again for every image; a reused context gives the
/// same output as a new one.
fn compress_frame(pixels: &FramePixels) -> std::io::Result<Vec<u8>> {
    type Workspace = Option<(zstd::bulk::Compressor<'static>, Vec<u8>)>;
    thread_local! {
        static WORKSPACE: RefCell<Workspace> = const { RefCell::new(None) };
    }
    let compress = |workspace: &mut Workspace| {
        let (compressor, words) = match workspace {
            Some(ready) => ready,
            empty => empty.insert((compressor()?, Vec::new())),
        };
        little_endian_words(pixels, words);
        compressor.compress(words)
    };
    WORKSPACE.with(|workspace| match workspace.try_borrow_mut() {
        Ok(mut workspace) => compress(&mut workspace),
        // Only if compression were ever re-entered on this thread: a workspace of its own.
        Err(_) => compress(&mut None),
    })
}

fn compressor() -> std::io::Result<zstd::bulk::Compressor<'static>> {
    use zstd::zstd_safe::{CParameter, ParamSwitch};
    let mut compressor = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
    compressor.set_parameter(CParameter::TargetLength(ZSTD_TARGET_LENGTH))?;
    compressor.set_parameter(CParameter::LiteralCompressionMode(ParamSwitch::Enable))?;
    Ok(compressor)
}

/// The frame's values as little-endian bytes, into `bytes`. Written through fixed-size chunks,
/// which compile to a plain copy on little-endian machines.
fn little_endian_words(pixels: &FramePixels, bytes: &mut Vec<u8>) {
    bytes.clear();
    bytes.resize(pixels.len() * 2, 0);
    match pixels {
        FramePixels::U16(values) => {
            for (out, v) in bytes.chunks_exact_mut(2).zip(values) {
                out.copy_from_slice(&v.to_le_bytes());
            }
        }
        FramePixels::I16(values) => {
            for (out, v) in bytes.chunks_exact_mut(2).zip(values) {
                out.copy_from_slice(&v.to_le_bytes());
            }
        }
    }
}

fn values(frame: &Frame) -> impl Iterator<Item = f64> + '_ {
    let (slope, intercept) = (frame.rescale_slope, frame.rescale_intercept);
    let raw: Box<dyn Iterator<Item = f64>> = match &frame.pixels {
        FramePixels::U16(values) => Box::new(values.iter().map(|&v| f64::from(v))),
        FramePixels::I16(values) => Box::new(values.iter().map(|&v| f64::from(v))),
    };
    raw.map(move |v| v * slope + intercept)
}

/// A window from the 1st to the 99.5th percentile of the rescaled values, from a sample: every
/// 7th value of up to 16 frames spread over the series.
fn auto_window(frames: &[&Frame]) -> WindowPreset {
    let step = (frames.len() / 16).max(1);
    let sampled: Vec<&Frame> = frames.iter().step_by(step).copied().collect();
    let count: usize = sampled.iter().map(|f| f.pixels.len().div_ceil(7)).sum();
    let index = |q: f64| (count.saturating_sub(1) as f64 * q) as usize;
    let (low, high) = if count == 0 {
        (0.0, 1.0)
    } else {
        let at = [index(0.01), index(0.995)];
        let [low, high] = order_statistics_by_counting(&sampled, at)
            .unwrap_or_else(|| order_statistics_by_selection(&sampled, count, at));
        (low, high)
    };
    WindowPreset {
        name: "Auto".into(),
        center: (low + high) / 2.0,
        width: (high - low).max(1.0),
    }
}

/// The sampled values' order statistics at `at` (ascending), found by counting the stored values:
/// when every sampled frame has the same rescale with a positive slope, rescaling keeps the
/// order, so the `k`-th rescaled value is the `k`-th stored value rescaled, the same value
/// selection finds. `None` otherwise.
fn order_statistics_by_counting(frames: &[&Frame], at: [usize; 2]) -> Option<[f64; 2]> {
    let first = frames.first()?;
    let (slope, intercept) = (first.rescale_slope, first.rescale_intercept);
    let same_rescale = frames
        .iter()
        .all(|f| f.rescale_slope == slope && f.rescale_intercept == intercept);
    if !(same_rescale && slope > 0.0 && slope.is_finite() && intercept.is_finite()) {
        return None;
    }
    let signed = matches!(first.pixels, FramePixels::I16(_));
    if frames
        .iter()
        .any(|f| matches!(f.pixels, FramePixels::I16(_)) != signed)
    {
        return None;
    }
    // One bin per stored value, signed values offset so that the bins are in ascending order.
    let mut counts = vec![0u32; 1 << 16];
    for frame in frames {
        match &frame.pixels {
            FramePixels::U16(values) => values.iter().step_by(7).for_each(|&v| {
                counts[usize::from(v)] += 1;
            }),
            FramePixels::I16(values) => values.iter().step_by(7).for_each(|&v| {
                counts[usize::from(v.cast_unsigned() ^ 0x8000)] += 1;
            }),
        }
    }
    let stored = |bin: usize| {
        let bin = bin as u16;
        if signed {
            f64::from((bin ^ 0x8000).cast_signed())
        } else {
            f64::from(bin)
        }
    };
    let mut found = [None; 2];
    let mut below = 0usize;
    for (bin, &n) in counts.iter().enumerate() {
        below += n as usize;
        for (value, &k) in found.iter_mut().zip(&at) {
            if value.is_none() && k < below {
                *value = Some(stored(bin) * slope + intercept);
            }
        }
        if found[1].is_some() {
            break;
        }
    }
    Some([found[0]?, found[1]?])
}

/// The sampled values' order statistics at `at` (ascending), by selection over the rescaled
/// values: the two order statistics alone, not a full sort.
fn order_statistics_by_selection(frames: &[&Frame], count: usize, at: [usize; 2]) -> [f64; 2] {
    let mut sample: Vec<f64> = Vec::with_capacity(count);
    for frame in frames {
        let (slope, intercept) = (frame.rescale_slope, frame.rescale_intercept);
        // Every 7th value, by a monomorphic loop per pixel type: this runs over many frames.
        match &frame.pixels {
            FramePixels::U16(values) => sample.extend(
                values
                    .iter()
                    .step_by(7)
                    .map(|&v| f64::from(v) * slope + intercept),
            ),
            FramePixels::I16(values) => sample.extend(
                values
                    .iter()
                    .step_by(7)
                    .map(|&v| f64::from(v) * slope + intercept),
            ),
        }
    }
    let [low_at, high_at] = at;
    let (below, high, _) = sample.select_nth_unstable_by(high_at, f64::total_cmp);
    let high = *high;
    let low = if low_at < high_at {
        *below.select_nth_unstable_by(low_at, f64::total_cmp).1
    } else {
        high
    };
    [low, high]
}

fn thumbnail(frame: &Frame, window: &WindowPreset, invert: bool) -> Result<Vec<u8>, String> {
    let low = window.center - window.width / 2.0;
    let grey: Vec<u8> = values(frame)
        .map(|v| {
            let level = ((v - low) / window.width).clamp(0.0, 1.0) * 255.0;
            if invert {
                255 - level as u8
            } else {
                level as u8
            }
        })
        .collect();
    let image = image::GrayImage::from_raw(frame.columns, frame.rows, grey)
        .ok_or("image size does not match its pixels")?;
    let scale = f64::from(THUMBNAIL_SIZE) / f64::from(frame.columns.max(frame.rows));
    let (width, height) = (
        ((f64::from(frame.columns) * scale).round() as u32).max(1),
        ((f64::from(frame.rows) * scale).round() as u32).max(1),
    );
    let small =
        image::imageops::resize(&image, width, height, image::imageops::FilterType::Triangle);
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|err| format!("cannot write thumbnail: {err}"))?;
    Ok(png)
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(z: f64, phase: Option<u32>, value: u16) -> Frame {
        Frame {
            rows: 2,
            columns: 2,
            pixels: FramePixels::U16(vec![value; 4]),
            rescale_slope: 1.0,
            rescale_intercept: 0.0,
            monochrome1: false,
            image_position: Some([0.0, 0.0, z]),
            image_orientation: Some([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
            pixel_spacing: Some([0.5, 0.5]),
            slice_thickness: Some(3.0),
            temporal_position: phase,
            window: None,
            units: None,
        }
    }

    fn label(description: &str, b_value: Option<f64>) -> SeriesLabel {
        SeriesLabel {
            uid: "2.25.1".into(),
            number: Some(1),
            modality: "MR".into(),
            source_description: description.into(),
            diffusion_b_value: b_value,
            frame_of_reference_uid: None,
        }
    }

    #[test]
    fn slices_are_sorted_along_the_normal_with_the_mean_spacing() {
        let frames = vec![
            frame(6.0, None, 3),
            frame(0.0, None, 1),
            frame(3.0, None, 2),
        ];
        let prepared = prepare_series(&label("T2 TSE", None), frames).unwrap();
        let series = &prepared.series;
        assert_eq!((series.slices, series.phases), (3, 1));
        assert_eq!(series.slice_spacing_mm, 3.0);
        let z: Vec<f64> = series.frames.iter().map(|f| f.position_lps_mm[2]).collect();
        assert_eq!(z, [0.0, 3.0, 6.0]);
        let first = &series.frames[0];
        let words = zstd::bulk::decompress(
            &prepared.voxels.concat()
                [first.offset as usize..(first.offset + first.length) as usize],
            8,
        )
        .unwrap();
        assert_eq!(
            words,
            [1, 0, 1, 0, 1, 0, 1, 0],
            "the lowest slice comes first"
        );
    }

    #[test]
    fn phases_come_from_temporal_positions_or_from_repeated_positions() {
        let tagged = vec![
            frame(3.0, Some(2), 0),
            frame(0.0, Some(1), 0),
            frame(0.0, Some(2), 0),
            frame(3.0, Some(1), 0),
        ];
        let untagged = vec![
            frame(0.0, None, 0),
            frame(3.0, None, 0),
            frame(0.0, None, 0),
            frame(3.0, None, 0),
        ];
        for frames in [tagged, untagged] {
            let series = prepare_series(&label("dyn", None), frames).unwrap().series;
            assert_eq!(
                (series.slices, series.phases, series.kind),
                (2, 2, SeriesKind::Dce)
            );
            let order: Vec<(u32, u32)> = series.frames.iter().map(|f| (f.phase, f.slice)).collect();
            assert_eq!(order, [(0, 0), (0, 1), (1, 0), (1, 1)]);
        }
    }

    #[test]
    fn inconsistent_series_are_refused_with_a_reason() {
        let mut other_size = frame(3.0, None, 0);
        other_size.rows = 3;
        let mut tilted = frame(3.0, None, 0);
        tilted.image_orientation = Some([0.0, 1.0, 0.0, 0.0, 0.0, -1.0]);
        let cases = [
            (vec![frame(0.0, None, 0), other_size], "different sizes"),
            (vec![frame(0.0, None, 0), tilted], "different orientations"),
            (
                vec![
                    frame(0.0, Some(1), 0),
                    frame(3.0, Some(1), 0),
                    frame(0.0, Some(2), 0),
                ],
                "different numbers of slices",
            ),
            (vec![], "no images"),
        ];
        for (frames, reason) in cases {
            let err = prepare_series(&label("T2", None), frames).unwrap_err();
            assert!(err.contains(reason), "{err} should say {reason}");
        }
    }

    #[test]
    fn series_are_classified_by_what_they_are() {
        let cases = [
            ("T2W TSE ax", None, SeriesKind::T2w),
            ("ep2d_diff b50 400 800", Some(1400.0), SeriesKind::Dwi),
            ("anything", Some(800.0), SeriesKind::Dwi),
            ("ep2d_diff_ADC", None, SeriesKind::Adc),
            ("DERIVED\\PRIMARY\\ADC\\ADC", Some(0.0), SeriesKind::Adc),
            ("localizer", None, SeriesKind::Other),
        ];
        for (description, b_value, kind) in cases {
            assert_eq!(
                classify(&label(description, b_value), 1),
                kind,
                "{description}"
            );
        }
        assert_eq!(classify(&label("t1 vibe", None), 8), SeriesKind::Dce);
    }

    #[test]
    fn the_auto_window_counts_stored_values_to_the_same_result_as_selecting_rescaled_ones() {
        // A spread of values with a long tail, as in MR, and runs of equal values.
        let pixels = |seed: u32, signed: bool| -> FramePixels {
            let values = (0..4096u32).map(|i| {
                let x = i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 20;
                (x * x / 4096 + i % 3) as u16
            });
            if signed {
                FramePixels::I16(values.map(|v| v.cast_signed() - 700).collect())
            } else {
                FramePixels::U16(values.collect())
            }
        };
        let frames = |signed: bool, slope: f64, intercept: f64, count: u32| -> Vec<Frame> {
            (0..count)
                .map(|seed| Frame {
                    rows: 64,
                    columns: 64,
                    pixels: pixels(seed, signed),
                    rescale_slope: slope,
                    rescale_intercept: intercept,
                    ..frame(0.0, None, 0)
                })
                .collect()
        };
        for signed in [false, true] {
            for (slope, intercept) in [(1.0, 0.0), (0.37, -1024.0), (2.5, 10.25)] {
                for count in [1, 5, 40] {
                    let frames = frames(signed, slope, intercept, count);
                    let frames: Vec<&Frame> = frames.iter().collect();
                    let sampled: Vec<&Frame> = frames
                        .iter()
                        .step_by((frames.len() / 16).max(1))
                        .copied()
                        .collect();
                    let total: usize = sampled.iter().map(|f| f.pixels.len().div_ceil(7)).sum();
                    for at in [
                        [0, 0],
                        [3, 77],
                        [total / 100, total * 995 / 1000],
                        [0, total - 1],
                    ] {
                        assert_eq!(
                            order_statistics_by_counting(&sampled, at),
                            Some(order_statistics_by_selection(&sampled, total, at)),
                            "signed {signed}, slope {slope}, intercept {intercept}, {count} frames, at {at:?}"
                        );
                    }
                }
            }
        }
        // A negative slope reverses the order, and frames rescaled differently cannot share
        // counts: those are selected.
        let mut mixed = frames(false, 1.0, 0.0, 2);
        mixed[1].rescale_intercept = 5.0;
        for frames in [frames(false, -1.0, 0.0, 2), mixed] {
            let frames: Vec<&Frame> = frames.iter().collect();
            assert_eq!(order_statistics_by_counting(&frames, [1, 2]), None);
            let window = auto_window(&frames);
            assert!(window.width >= 1.0, "{window:?}");
        }
    }

    #[test]
    fn a_series_of_several_orientations_becomes_one_stack_per_orientation() {
        let mut sagittal = frame(0.0, None, 0);
        sagittal.image_orientation = Some([0.0, 1.0, 0.0, 0.0, 0.0, -1.0]);
        let frames = vec![
            (0, frame(0.0, None, 0)),
            (1, sagittal),
            (2, frame(3.0, None, 0)),
        ];
        let stacks =
            prepare_stacks(&label("localizer", None), frames, vec!["a", "b", "c"]).unwrap();
        let summary: Vec<(String, u32, Vec<&str>)> = stacks
            .iter()
            .map(|(p, instances)| (p.series.uid.clone(), p.series.slices, instances.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                ("2.25.1.1".to_owned(), 2, vec!["a", "c"]),
                ("2.25.1.2".to_owned(), 1, vec!["b"])
            ]
        );
        let single =
            prepare_stacks(&label("T2", None), vec![(0, frame(0.0, None, 0))], vec![()]).unwrap();
        assert_eq!(
            single[0].0.series.uid, "2.25.1",
            "one stack keeps the series UID"
        );
    }
}
