//! The trainee's numbered lesion markers. Each is reported as the report's own
//! [`MarkedPoint`] (series, slice, LPS position), computed from the series geometry, so the
//! report form stores exactly what the viewer shows.

use readroom_domain::MarkedPoint;
use readroom_domain::report::MAX_LESIONS;
use serde::{Deserialize, Serialize};

use crate::geometry::ImagePoint;
use crate::series::Series;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// 1 to [`MAX_LESIONS`]: the lesion number on the report form.
    pub number: u32,
    pub point: MarkedPoint,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    #[error("a report holds at most {MAX_LESIONS} lesions, and all are marked")]
    Full,
    #[error("there is no marker {0}")]
    NotFound(u32),
    #[error("series {series_uid} has no slice {slice}")]
    NoSuchSlice { series_uid: String, slice: u32 },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Markers {
    markers: Vec<Marker>,
}

impl Markers {
    pub fn new() -> Markers {
        Markers::default()
    }

    /// Markers restored from a saved draft, kept in number order.
    pub fn from_markers(mut markers: Vec<Marker>) -> Markers {
        markers.sort_by_key(|m| m.number);
        Markers { markers }
    }

    pub fn all(&self) -> &[Marker] {
        &self.markers
    }

    pub fn get(&self, number: u32) -> Option<&Marker> {
        self.markers.iter().find(|m| m.number == number)
    }

    /// Places a marker at an image point of a slice, numbered with the lowest free number (so
    /// deleting marker 2 of three and placing another gives a new 2).
    pub fn place(
        &mut self,
        series: &Series,
        slice: u32,
        at: ImagePoint,
    ) -> Result<&Marker, MarkerError> {
        let number = (1..=MAX_LESIONS as u32)
            .find(|n| self.get(*n).is_none())
            .ok_or(MarkerError::Full)?;
        let point = marked_point(series, slice, at)?;
        let index = self.markers.partition_point(|m| m.number < number);
        self.markers.insert(index, Marker { number, point });
        Ok(&self.markers[index])
    }

    /// Moves a marker to another point, possibly on another slice or series.
    pub fn move_to(
        &mut self,
        number: u32,
        series: &Series,
        slice: u32,
        at: ImagePoint,
    ) -> Result<&Marker, MarkerError> {
        let point = marked_point(series, slice, at)?;
        let marker = self
            .markers
            .iter_mut()
            .find(|m| m.number == number)
            .ok_or(MarkerError::NotFound(number))?;
        marker.point = point;
        Ok(marker)
    }

    /// Puts a marker back as it was (undoing a move), replacing the one with its number.
    pub fn put_back(&mut self, marker: Marker) {
        self.markers.retain(|m| m.number != marker.number);
        let index = self.markers.partition_point(|m| m.number < marker.number);
        self.markers.insert(index, marker);
    }

    pub fn delete(&mut self, number: u32) -> Result<Marker, MarkerError> {
        let index = self
            .markers
            .iter()
            .position(|m| m.number == number)
            .ok_or(MarkerError::NotFound(number))?;
        Ok(self.markers.remove(index))
    }
}

/// The report's description of an image point: series, slice and patient position.
pub fn marked_point(
    series: &Series,
    slice: u32,
    at: ImagePoint,
) -> Result<MarkedPoint, MarkerError> {
    let lps_mm =
        series
            .geometry()
            .image_to_lps(at, slice)
            .ok_or_else(|| MarkerError::NoSuchSlice {
                series_uid: series.uid().to_owned(),
                slice,
            })?;
    Ok(MarkedPoint {
        lps_mm,
        series_uid: series.uid().to_owned(),
        slice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::oblique_series;

    #[test]
    fn markers_report_the_position_the_geometry_gives() {
        let series = Series::new(oblique_series(25.0, 40.0), "study").unwrap();
        let mut markers = Markers::new();
        let check = |markers: &mut Markers, column: f64, row: f64, slice: u32, number: u32| {
            let at = ImagePoint::new(column, row);
            let marker = markers.place(&series, slice, at).unwrap().clone();
            assert_eq!(marker.number, number);
            assert_eq!(marker.point.series_uid, series.uid());
            assert_eq!(marker.point.slice, slice);
            assert_eq!(
                Some(marker.point.lps_mm),
                series.geometry().image_to_lps(at, slice)
            );
        };
        check(&mut markers, 10.0, 20.0, 0, 1);
        check(&mut markers, 33.25, 7.5, 4, 2);
        check(&mut markers, 0.0, 0.0, 2, 3);
    }

    #[test]
    fn markers_are_numbered_moved_and_deleted() {
        let series = Series::new(oblique_series(0.0, 0.0), "study").unwrap();
        let mut markers = Markers::new();
        let at = ImagePoint::new(1.0, 1.0);
        for _ in 0..3 {
            markers.place(&series, 0, at).unwrap();
        }
        assert_eq!(markers.delete(2).unwrap().number, 2);
        assert_eq!(markers.delete(2), Err(MarkerError::NotFound(2)));
        assert_eq!(markers.place(&series, 1, at).unwrap().number, 2);
        assert_eq!(markers.place(&series, 1, at).unwrap().number, 4);
        assert_eq!(markers.place(&series, 1, at), Err(MarkerError::Full));
        let numbers: Vec<u32> = markers.all().iter().map(|m| m.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);

        let moved = markers
            .move_to(3, &series, 4, ImagePoint::new(5.0, 6.0))
            .unwrap()
            .clone();
        assert_eq!(moved.point.slice, 4);
        assert_eq!(
            Some(moved.point.lps_mm),
            series.geometry().image_to_lps(ImagePoint::new(5.0, 6.0), 4)
        );
        let before = markers.get(1).unwrap().clone();
        markers.move_to(1, &series, 2, at).unwrap();
        markers.put_back(before.clone());
        assert_eq!(markers.get(1), Some(&before));
        assert_eq!(markers.all().len(), 4);
        assert_eq!(
            markers.move_to(3, &series, 9, at),
            Err(MarkerError::NoSuchSlice {
                series_uid: series.uid().into(),
                slice: 9
            })
        );
    }
}
