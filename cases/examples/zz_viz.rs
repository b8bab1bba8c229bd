use dicom_dictionary_std::tags;
use dicom_object::{FileDicomObject, InMemDicomObject};
fn main() {
    let index: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let case = readroom_cases::generate_case(readroom_cases::DEFAULT_SEED, index);
    println!("{}", case.manifest.title);
    for l in &case.manifest.lesions {
        println!("{:?}", l);
    }
    println!("{:?}", case.manifest.clinical);
    println!(
        "{}",
        case.manifest.teaching_notes.clone().unwrap_or_default()
    );
    let out = format!("/tmp/viz/{index}");
    std::fs::create_dir_all(&out).unwrap();
    for f in &case.files {
        let obj = FileDicomObject::<InMemDicomObject>::from_reader(&f.bytes[..]).unwrap();
        let rows = obj.element(tags::ROWS).unwrap().to_int::<usize>().unwrap();
        let z = obj
            .element(tags::IMAGE_POSITION_PATIENT)
            .unwrap()
            .to_multi_float64()
            .unwrap()[2];
        let wc = obj
            .element(tags::WINDOW_CENTER)
            .unwrap()
            .to_float64()
            .unwrap();
        let ww = obj
            .element(tags::WINDOW_WIDTH)
            .unwrap()
            .to_float64()
            .unwrap();
        let px = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        let mut pgm = format!("P5 {rows} {rows} 255\n").into_bytes();
        for b in px.chunks_exact(2) {
            let v = u16::from_le_bytes([b[0], b[1]]) as f64;
            pgm.push((((v - (wc - ww / 2.0)) / ww).clamp(0.0, 1.0) * 255.0) as u8);
        }
        let name = f
            .name
            .replace('/', "_")
            .replace(".dcm", &format!("_z{z:.1}.pgm"));
        std::fs::write(format!("{out}/{name}"), pgm).unwrap();
    }
}
