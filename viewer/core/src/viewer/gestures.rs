//! Tool gestures: lengths, ROIs, markers, the crosshair and the value under the cursor.

use super::*;

impl Viewer {
    pub(super) fn gesture(
        &mut self,
        viewport: usize,
        tool: Tool,
        phase: GesturePhase,
        at: ScreenPoint,
    ) -> Vec<ViewerEvent> {
        let Some(transform) = self.transform(viewport) else {
            return Vec::new();
        };
        let point = transform.screen_to_image(at);
        if phase == GesturePhase::Cancel {
            // A cancelled drag puts a grabbed marker back where it was.
            if let Some(Drawing::Marker {
                grabbed: Some(original),
                ..
            }) = self.drawing.take()
            {
                self.markers.put_back(original);
            }
            return Vec::new();
        }
        match tool {
            Tool::Length => self.draw_length(viewport, phase, point),
            Tool::CircleRoi => self.draw_circle(viewport, phase, point),
            Tool::FreehandRoi => self.draw_freehand(viewport, phase, point, at),
            Tool::Marker => self.mark(viewport, phase, point, at, &transform),
            Tool::Crosshair => self.pick_crosshair(viewport, phase, point),
            Tool::Probe => {
                self.hover = self.probe_at(viewport, at).map(|probe| (viewport, probe));
                Vec::new()
            }
            Tool::Scroll | Tool::WindowLevel | Tool::Zoom | Tool::Pan => Vec::new(),
        }
    }

    fn draw_length(
        &mut self,
        viewport: usize,
        phase: GesturePhase,
        point: ImagePoint,
    ) -> Vec<ViewerEvent> {
        match (phase, &mut self.drawing) {
            (GesturePhase::Start, _) => {
                self.drawing = Some(Drawing::Length {
                    viewport,
                    from: point,
                    to: point,
                });
                Vec::new()
            }
            (GesturePhase::Move, Some(Drawing::Length { to, .. })) => {
                *to = point;
                Vec::new()
            }
            (GesturePhase::End, Some(Drawing::Length { from, .. })) => {
                let from = *from;
                self.drawing = None;
                let Some((state, series)) = self.shown(viewport) else {
                    return Vec::new();
                };
                let mm = series.geometry().in_plane_distance_mm(from, point);
                if mm <= 0.0 {
                    return Vec::new();
                }
                self.record(
                    viewport,
                    MeasurementKind::Length {
                        from,
                        to: point,
                        mm,
                    },
                    state.slice(),
                )
            }
            _ => Vec::new(),
        }
    }

    fn draw_circle(
        &mut self,
        viewport: usize,
        phase: GesturePhase,
        point: ImagePoint,
    ) -> Vec<ViewerEvent> {
        match (phase, &mut self.drawing) {
            (GesturePhase::Start, _) => {
                self.drawing = Some(Drawing::Circle {
                    viewport,
                    centre: point,
                    edge: point,
                });
                Vec::new()
            }
            (GesturePhase::Move, Some(Drawing::Circle { edge, .. })) => {
                *edge = point;
                Vec::new()
            }
            (GesturePhase::End, Some(Drawing::Circle { centre, .. })) => {
                let centre = *centre;
                self.drawing = None;
                let Some((state, series)) = self.shown(viewport) else {
                    return Vec::new();
                };
                let radius_mm = series.geometry().in_plane_distance_mm(centre, point);
                if radius_mm <= 0.0 {
                    return Vec::new();
                }
                self.record_roi(viewport, Roi::Circle { centre, radius_mm }, state.slice())
            }
            _ => Vec::new(),
        }
    }

    fn draw_freehand(
        &mut self,
        viewport: usize,
        phase: GesturePhase,
        point: ImagePoint,
        at: ScreenPoint,
    ) -> Vec<ViewerEvent> {
        let step = FREEHAND_STEP_CSS_PX * self.device_pixel_ratio;
        match (phase, &mut self.drawing) {
            (GesturePhase::Start, _) => {
                self.drawing = Some(Drawing::Freehand {
                    viewport,
                    points: vec![point],
                    last: at,
                });
                Vec::new()
            }
            (GesturePhase::Move, Some(Drawing::Freehand { points, last, .. })) => {
                if last.distance(at) >= step {
                    points.push(point);
                    *last = at;
                }
                Vec::new()
            }
            (GesturePhase::End, Some(Drawing::Freehand { points, last, .. })) => {
                let mut vertices = std::mem::take(points);
                if last.distance(at) > 0.0 {
                    vertices.push(point);
                }
                self.drawing = None;
                let Some(slice) = self.viewport(viewport).map(ViewportState::slice) else {
                    return Vec::new();
                };
                if vertices.len() < 3 {
                    return Vec::new();
                }
                self.record_roi(viewport, Roi::Polygon { vertices }, slice)
            }
            _ => Vec::new(),
        }
    }

    fn record_roi(&mut self, viewport: usize, roi: Roi, slice: u32) -> Vec<ViewerEvent> {
        let statistics = self.shown(viewport).and_then(|(state, series)| {
            let frame = self.voxels.frame(series, slice, state.phase())?;
            roi_statistics(&frame, series.geometry(), series.units(), &roi)
        });
        self.record(viewport, MeasurementKind::Roi { roi, statistics }, slice)
    }

    fn record(&mut self, viewport: usize, kind: MeasurementKind, slice: u32) -> Vec<ViewerEvent> {
        let Some(state) = self.viewport(viewport) else {
            return Vec::new();
        };
        let measurement = Measurement {
            series_uid: state.series_uid().to_owned(),
            slice,
            phase: state.phase(),
            kind,
        };
        self.measurements.push(measurement.clone());
        vec![ViewerEvent::Measured { measurement }]
    }

    fn mark(
        &mut self,
        viewport: usize,
        phase: GesturePhase,
        point: ImagePoint,
        at: ScreenPoint,
        transform: &ViewTransform,
    ) -> Vec<ViewerEvent> {
        let Some(series_index) = self.series_index_of(viewport) else {
            return Vec::new();
        };
        let Some(slice) = self.viewport(viewport).map(ViewportState::slice) else {
            return Vec::new();
        };
        let series = &self.series[series_index];
        match phase {
            GesturePhase::Start => {
                let reach = MARKER_GRAB_CSS_PX * self.device_pixel_ratio;
                let grabbed = self
                    .markers
                    .all()
                    .iter()
                    .filter_map(|marker| {
                        let on_slice = self.point_on_slice(
                            series,
                            slice,
                            &marker.point.series_uid,
                            marker.point.lps_mm,
                        )?;
                        let distance = transform.image_to_screen(on_slice).distance(at);
                        (distance <= reach).then_some((distance, marker))
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, marker)| marker.clone());
                self.drawing = Some(Drawing::Marker { viewport, grabbed });
                Vec::new()
            }
            GesturePhase::Move => {
                if let Some(Drawing::Marker {
                    grabbed: Some(marker),
                    ..
                }) = &self.drawing
                {
                    let number = marker.number;
                    // The marker follows the pointer; only the end of the drag is reported.
                    let _ = self.markers.move_to(number, series, slice, point);
                }
                Vec::new()
            }
            GesturePhase::End => {
                let Some(Drawing::Marker { grabbed, .. }) = self.drawing.take() else {
                    return Vec::new();
                };
                let result = match grabbed {
                    Some(marker) => self
                        .markers
                        .move_to(marker.number, series, slice, point)
                        .map(|m| ViewerEvent::MarkerMoved { marker: m.clone() }),
                    None => self
                        .markers
                        .place(series, slice, point)
                        .map(|m| ViewerEvent::MarkerPlaced { marker: m.clone() }),
                };
                match result {
                    Ok(event) => {
                        if let ViewerEvent::MarkerPlaced { marker }
                        | ViewerEvent::MarkerMoved { marker } = &event
                        {
                            self.selected_marker = Some(marker.number);
                        }
                        vec![event]
                    }
                    Err(error) => vec![ViewerEvent::MarkerRefused {
                        reason: error.to_string(),
                    }],
                }
            }
            GesturePhase::Cancel => Vec::new(),
        }
    }

    fn pick_crosshair(
        &mut self,
        viewport: usize,
        phase: GesturePhase,
        point: ImagePoint,
    ) -> Vec<ViewerEvent> {
        let Some((state, series)) = self.shown(viewport) else {
            return Vec::new();
        };
        let Some(lps_mm) = series.geometry().image_to_lps(point, state.slice()) else {
            return Vec::new();
        };
        let crosshair = Crosshair {
            lps_mm,
            frame_of_reference: series.frame_of_reference().to_owned(),
        };
        for other in 0..self.layout.viewport_count() {
            if other == viewport {
                continue;
            }
            if let Some(series_index) = self.series_index_of(other) {
                let target = &self.series[series_index];
                if let (Some(slice), Some(Some(state))) =
                    (crosshair.slice_in(target), self.viewports.get_mut(other))
                {
                    state.set_slice(target, slice);
                }
            }
        }
        self.crosshair = Some(crosshair);
        if phase == GesturePhase::End {
            vec![ViewerEvent::CrosshairMoved { lps_mm }]
        } else {
            Vec::new()
        }
    }

    pub(super) fn probe_at(&self, viewport: usize, at: ScreenPoint) -> Option<Probe> {
        let (state, series) = self.shown(viewport)?;
        let point = self.transform(viewport)?.screen_to_image(at);
        let frame = self.voxels.frame(series, state.slice(), state.phase())?;
        probe(series, &frame, point, state.slice(), state.phase())
    }
}
