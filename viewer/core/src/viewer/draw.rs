//! The scene: what each viewport shows, built from the viewer's state.

use super::*;

impl Viewer {
    /// Everything to draw now.
    pub fn scene(&self) -> Scene {
        let rects = self.viewport_rects();
        let viewports = rects
            .iter()
            .enumerate()
            .map(|(viewport, &rect)| self.viewport_scene(viewport, rect, rects.len() > 1))
            .collect();
        Scene {
            width: self.canvas.0,
            height: self.canvas.1,
            text_scale: self.device_pixel_ratio.round().max(1.0) as u32,
            viewports,
            help: self.help_visible.then(|| self.keymap.help()),
        }
    }

    fn viewport_scene(&self, viewport: usize, rect: Rect, show_active: bool) -> ViewportScene {
        let active = viewport == self.input.active_viewport();
        let mut scene = ViewportScene {
            rect,
            active,
            image: None,
            loading: None,
            shapes: Vec::new(),
            texts: Vec::new(),
        };
        if active && show_active {
            scene.shapes.push(Shape::Polyline {
                points: corners(rect),
                closed: true,
                style: Style::ActiveBorder,
            });
        }
        let Some((state, series)) = self.shown(viewport) else {
            return scene;
        };
        let transform = state.transform(series, rect);
        let progress = self.voxels.progress(series.uid());
        if !progress.is_complete() {
            scene.loading = Some(progress.fraction() as f32);
        }
        scene.image = self.image_layer(state, series, &transform);
        self.annotate(&mut scene, viewport, state, series, rect);
        self.draw_overlays(&mut scene, viewport, state, series, &transform);
        scene
    }

    fn image_layer(
        &self,
        state: &ViewportState,
        series: &Series,
        transform: &ViewTransform,
    ) -> Option<ImageLayer> {
        let frame = series.frame(state.slice(), state.phase())?;
        let frame_index = series.frame_index(state.slice(), state.phase())?;
        if !self.voxels.is_loaded(series.uid(), frame_index) {
            return None;
        }
        let window = state.window();
        Some(ImageLayer {
            series_uid: series.uid().to_owned(),
            frame_index,
            columns: series.geometry().columns(),
            rows: series.geometry().rows(),
            signed: series.is_signed(),
            image_from_screen: transform.image_from_screen(),
            rescale_slope: frame.rescale_slope as f32,
            rescale_intercept: frame.rescale_intercept as f32,
            window_low: (window.center - window.width / 2.0) as f32,
            window_inverse_width: (1.0 / window.width) as f32,
            invert: state.inverted(series),
            interpolation: state.interpolation(),
        })
    }

    /// Orientation letters at the edges; series, slice, phase and window in the corners; the
    /// value under the cursor.
    fn annotate(
        &self,
        scene: &mut ViewportScene,
        viewport: usize,
        state: &ViewportState,
        series: &Series,
        rect: Rect,
    ) {
        let margin = TEXT_MARGIN_CSS_PX * self.device_pixel_ratio;
        let (left, top) = (f64::from(rect.x) + margin, f64::from(rect.y) + margin);
        let right = f64::from(rect.x + rect.width) - margin;
        let bottom = f64::from(rect.y + rect.height) - margin;
        let centre = rect.centre();
        let labels = series.geometry().edge_labels();
        let mut text = |at: ScreenPoint, anchor: Anchor, text: String| {
            scene.texts.push(Text {
                at,
                anchor,
                text,
                style: Style::Annotation,
            });
        };
        text(
            ScreenPoint::new(left, centre.y),
            Anchor::CentreLeft,
            labels.left,
        );
        text(
            ScreenPoint::new(right, centre.y),
            Anchor::CentreRight,
            labels.right,
        );
        text(
            ScreenPoint::new(centre.x, top),
            Anchor::TopCentre,
            labels.top,
        );
        text(
            ScreenPoint::new(centre.x, bottom),
            Anchor::BottomCentre,
            labels.bottom,
        );
        let mut heading = format!(
            "{}\nSlice {}/{}",
            series.prepared().description,
            state.slice() + 1,
            series.slices()
        );
        if series.phases() > 1 {
            heading.push_str(&format!(
                "\nPhase {}/{}",
                state.phase() + 1,
                series.phases()
            ));
        }
        text(ScreenPoint::new(left, top), Anchor::TopLeft, heading);
        let window = state.window();
        let units = series.units();
        text(
            ScreenPoint::new(left, bottom),
            Anchor::BottomLeft,
            format!(
                "W {} L {}",
                round_for_display(units.show(window.width)),
                round_for_display(units.show(window.center))
            ),
        );
        if let Some((hovered, probe)) = &self.hover
            && *hovered == viewport
            && probe.slice == state.slice()
        {
            let [x, y, z] = probe.lps_mm;
            text(
                ScreenPoint::new(right, bottom),
                Anchor::BottomRight,
                format!(
                    "{}{}\nLPS {x:.1}, {y:.1}, {z:.1} mm",
                    round_for_display(probe.value),
                    with_space(&probe.unit)
                ),
            );
        }
    }

    fn draw_overlays(
        &self,
        scene: &mut ViewportScene,
        viewport: usize,
        state: &ViewportState,
        series: &Series,
        transform: &ViewTransform,
    ) {
        let slice = state.slice();
        let screen = |point: ImagePoint| transform.image_to_screen(point);
        let label_offset = 6.0 * self.device_pixel_ratio;

        if self.visibility.true_lesions {
            for lesion in &self.true_lesions {
                if let Some(section) = lesion.section(series.geometry(), slice) {
                    let centre = screen(section.centre);
                    let radius = section.radius_mm * transform.pixels_per_mm;
                    scene.shapes.push(Shape::Circle {
                        centre,
                        radius,
                        style: Style::TrueLesion,
                    });
                    scene.texts.push(Text {
                        at: ScreenPoint::new(centre.x + radius + label_offset, centre.y),
                        anchor: Anchor::CentreLeft,
                        text: format!("T{} GG{}", lesion.number, lesion.isup_grade_group),
                        style: Style::TrueLesion,
                    });
                }
            }
        }
        if self.visibility.expert_marks {
            for mark in &self.expert_marks {
                if let Some(point) =
                    self.point_on_slice(series, slice, &mark.series_uid, mark.lps_mm)
                {
                    scene.shapes.push(Shape::Diamond {
                        at: screen(point),
                        label: mark.label.clone(),
                        style: Style::ExpertMark,
                    });
                }
            }
        }
        if self.visibility.trainee_markers {
            for marker in self.markers.all() {
                if let Some(point) = self.point_on_slice(
                    series,
                    slice,
                    &marker.point.series_uid,
                    marker.point.lps_mm,
                ) {
                    let style = if self.selected_marker == Some(marker.number) {
                        Style::SelectedMarker
                    } else {
                        Style::TraineeMarker
                    };
                    scene.shapes.push(Shape::Marker {
                        at: screen(point),
                        number: marker.number,
                        style,
                    });
                }
            }
        }
        for measurement in &self.measurements {
            if measurement.series_uid == series.uid() && measurement.slice == slice {
                self.draw_measurement(scene, &measurement.kind, transform);
            }
        }
        if let Some(drawing) = &self.drawing {
            self.draw_in_progress(scene, viewport, drawing, series, transform);
        }
        if let Some(crosshair) = &self.crosshair
            && crosshair.frame_of_reference == series.frame_of_reference()
            && let Some(projection) = series.geometry().lps_to_image(crosshair.lps_mm, slice)
        {
            scene.shapes.push(Shape::Crosshair {
                at: screen(projection.point),
                style: Style::Crosshair,
            });
        }
    }

    fn draw_measurement(
        &self,
        scene: &mut ViewportScene,
        kind: &MeasurementKind,
        transform: &ViewTransform,
    ) {
        let screen = |point: ImagePoint| transform.image_to_screen(point);
        let label_offset = 6.0 * self.device_pixel_ratio;
        match kind {
            MeasurementKind::Length { from, to, mm } => {
                let (from, to) = (screen(*from), screen(*to));
                scene.shapes.push(Shape::Line {
                    from,
                    to,
                    style: Style::Measurement,
                });
                scene.texts.push(Text {
                    at: ScreenPoint::new(to.x + label_offset, to.y),
                    anchor: Anchor::CentreLeft,
                    text: format!("{mm:.1} mm"),
                    style: Style::Measurement,
                });
            }
            MeasurementKind::Roi { roi, statistics } => {
                let anchor_point = match roi {
                    Roi::Circle { centre, radius_mm } => {
                        let centre = screen(*centre);
                        let radius = radius_mm * transform.pixels_per_mm;
                        scene.shapes.push(Shape::Circle {
                            centre,
                            radius,
                            style: Style::Measurement,
                        });
                        ScreenPoint::new(centre.x + radius + label_offset, centre.y)
                    }
                    Roi::Polygon { vertices } => {
                        let points: Vec<ScreenPoint> =
                            vertices.iter().map(|v| screen(*v)).collect();
                        let rightmost = points
                            .iter()
                            .copied()
                            .max_by(|a, b| a.x.total_cmp(&b.x))
                            .unwrap_or(ScreenPoint::new(0.0, 0.0));
                        scene.shapes.push(Shape::Polyline {
                            points,
                            closed: true,
                            style: Style::Measurement,
                        });
                        ScreenPoint::new(rightmost.x + label_offset, rightmost.y)
                    }
                };
                if let Some(stats) = statistics {
                    let unit = with_space(&stats.unit);
                    scene.texts.push(Text {
                        at: anchor_point,
                        anchor: Anchor::CentreLeft,
                        text: format!(
                            "Mean {} ± {}{unit}\nMin {} Max {}\nArea {:.1} mm²",
                            round_for_display(stats.mean),
                            round_for_display(stats.sd),
                            round_for_display(stats.min),
                            round_for_display(stats.max),
                            stats.area_mm2
                        ),
                        style: Style::Measurement,
                    });
                }
            }
        }
    }

    fn draw_in_progress(
        &self,
        scene: &mut ViewportScene,
        viewport: usize,
        drawing: &Drawing,
        series: &Series,
        transform: &ViewTransform,
    ) {
        match drawing {
            Drawing::Length {
                viewport: at,
                from,
                to,
            } if *at == viewport => {
                let mm = series.geometry().in_plane_distance_mm(*from, *to);
                self.draw_measurement(
                    scene,
                    &MeasurementKind::Length {
                        from: *from,
                        to: *to,
                        mm,
                    },
                    transform,
                );
            }
            Drawing::Circle {
                viewport: at,
                centre,
                edge,
            } if *at == viewport => {
                let radius_mm = series.geometry().in_plane_distance_mm(*centre, *edge);
                self.draw_measurement(
                    scene,
                    &MeasurementKind::Roi {
                        roi: Roi::Circle {
                            centre: *centre,
                            radius_mm,
                        },
                        statistics: None,
                    },
                    transform,
                );
            }
            Drawing::Freehand {
                viewport: at,
                points,
                ..
            } if *at == viewport => {
                scene.shapes.push(Shape::Polyline {
                    points: points
                        .iter()
                        .map(|p| transform.image_to_screen(*p))
                        .collect(),
                    closed: false,
                    style: Style::Measurement,
                });
            }
            _ => {}
        }
    }
}

fn corners(rect: Rect) -> Vec<ScreenPoint> {
    let (left, top) = (f64::from(rect.x) + 0.5, f64::from(rect.y) + 0.5);
    let right = f64::from(rect.x + rect.width) - 0.5;
    let bottom = f64::from(rect.y + rect.height) - 0.5;
    vec![
        ScreenPoint::new(left, top),
        ScreenPoint::new(right, top),
        ScreenPoint::new(right, bottom),
        ScreenPoint::new(left, bottom),
    ]
}

/// Values as a reader wants them: whole numbers from 100 up, three significant digits below.
fn round_for_display(value: f64) -> String {
    if value.abs() >= 100.0 || value == 0.0 {
        format!("{value:.0}")
    } else {
        let decimals = (2 - value.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{value:.decimals$}")
    }
}

/// A unit after a number: " mm²/s", or nothing for values without a unit.
fn with_space(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    }
}
