//! Every shader validated by naga, and translated to GLSL ES 3.00 exactly as wgpu's WebGL2
//! backend does, so a shader that WebGL2 cannot run fails here, natively.

use naga::back::glsl;
use naga::valid::{Capabilities, ValidationFlags, Validator};
use readroom_viewer_render::shaders;

#[test]
fn every_shader_file_is_listed() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut files: Vec<String> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    let mut listed: Vec<String> = shaders::ALL
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn every_shader_validates_and_translates_to_webgl2_glsl() {
    for (name, source) in shaders::ALL {
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|error| panic!("{name}: {}", error.emit_to_string(source)));
        // No optional capabilities: what WebGL2 offers is a subset of the defaults.
        let info = Validator::new(ValidationFlags::all(), Capabilities::empty())
            .validate(&module)
            .unwrap_or_else(|error| panic!("{name}: {}", error.emit_to_string(source)));
        assert!(
            !source.contains("var<storage"),
            "{name}: WebGL2 has no storage buffers"
        );
        for entry in &module.entry_points {
            let options = glsl::Options {
                version: glsl::Version::Embedded {
                    version: 300,
                    is_webgl: true,
                },
                writer_flags: glsl::WriterFlags::ADJUST_COORDINATE_SPACE
                    | glsl::WriterFlags::FORCE_POINT_SIZE,
                ..Default::default()
            };
            let pipeline = glsl::PipelineOptions {
                shader_stage: entry.stage,
                entry_point: entry.name.clone(),
                multiview: None,
            };
            let mut output = String::new();
            glsl::Writer::new(
                &mut output,
                &module,
                &info,
                &options,
                &pipeline,
                naga::proc::BoundsCheckPolicies::default(),
            )
            .and_then(|mut writer| writer.write())
            .unwrap_or_else(|error| panic!("{name} ({}): {error}", entry.name));
            assert!(output.starts_with("#version 300 es"), "{name}: {output}");
        }
    }
}
