//! The 41 sectors of the PI-RADS v2.1 sector map.
//!
//! For each level (base, mid, apex) and side (right, left): PZa, PZpm, PZpl, TZa, TZp and AS (36);
//! the central zone right and left at the base (2); the seminal vesicles right and left (2); and
//! the urethral sphincter (1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Base,
    Mid,
    Apex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Right,
    Left,
}

/// The sub-regions repeated at every level and side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectorRegion {
    /// Peripheral zone, anterior.
    PZa,
    /// Peripheral zone, posterior-medial.
    PZpm,
    /// Peripheral zone, posterior-lateral.
    PZpl,
    /// Transition zone, anterior.
    TZa,
    /// Transition zone, posterior.
    TZp,
    /// Anterior fibromuscular stroma.
    AS,
}

/// One sector of the PI-RADS v2.1 map. Written as `mid-left-PZpl`, `base-right-CZ`,
/// `SV-left` or `US`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sector {
    Gland(Level, Side, SectorRegion),
    CentralZone(Side),
    SeminalVesicle(Side),
    UrethralSphincter,
}

const LEVELS: [Level; 3] = [Level::Base, Level::Mid, Level::Apex];
const SIDES: [Side; 2] = [Side::Right, Side::Left];
const REGIONS: [SectorRegion; 6] = [
    SectorRegion::PZa,
    SectorRegion::PZpm,
    SectorRegion::PZpl,
    SectorRegion::TZa,
    SectorRegion::TZp,
    SectorRegion::AS,
];

impl Sector {
    /// All 41 sectors, in map order.
    pub fn all() -> Vec<Sector> {
        let mut all = Vec::with_capacity(41);
        for level in LEVELS {
            for side in SIDES {
                for region in REGIONS {
                    all.push(Sector::Gland(level, side, region));
                }
            }
        }
        all.extend(SIDES.map(Sector::CentralZone));
        all.extend(SIDES.map(Sector::SeminalVesicle));
        all.push(Sector::UrethralSphincter);
        all
    }
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Base => "base",
            Level::Mid => "mid",
            Level::Apex => "apex",
        }
    }
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Right => "right",
            Side::Left => "left",
        }
    }
}

impl SectorRegion {
    fn name(self) -> &'static str {
        match self {
            SectorRegion::PZa => "PZa",
            SectorRegion::PZpm => "PZpm",
            SectorRegion::PZpl => "PZpl",
            SectorRegion::TZa => "TZa",
            SectorRegion::TZp => "TZp",
            SectorRegion::AS => "AS",
        }
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sector::Gland(level, side, region) => {
                write!(f, "{}-{}-{}", level.name(), side.name(), region.name())
            }
            Sector::CentralZone(side) => write!(f, "base-{}-CZ", side.name()),
            Sector::SeminalVesicle(side) => write!(f, "SV-{}", side.name()),
            Sector::UrethralSphincter => f.write_str("US"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown PI-RADS sector `{0}` (expected e.g. `mid-left-PZpl`, `base-right-CZ`, `SV-left` or `US`)"
)]
pub struct UnknownSector(pub String);

impl FromStr for Sector {
    type Err = UnknownSector;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sector::all()
            .into_iter()
            .find(|sector| sector.to_string() == s)
            .ok_or_else(|| UnknownSector(s.to_owned()))
    }
}

impl Serialize for Sector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_map_has_41_distinct_sectors() {
        let all = Sector::all();
        assert_eq!(all.len(), 41);
        let names: HashSet<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(names.len(), 41);
    }

    #[test]
    fn every_sector_round_trips_through_its_name() {
        for sector in Sector::all() {
            assert_eq!(sector.to_string().parse::<Sector>(), Ok(sector));
        }
    }

    #[test]
    fn sector_names_read_as_in_pirads() {
        let cases = [
            (
                Sector::Gland(Level::Mid, Side::Left, SectorRegion::PZpl),
                "mid-left-PZpl",
            ),
            (
                Sector::Gland(Level::Apex, Side::Right, SectorRegion::AS),
                "apex-right-AS",
            ),
            (Sector::CentralZone(Side::Right), "base-right-CZ"),
            (Sector::SeminalVesicle(Side::Left), "SV-left"),
            (Sector::UrethralSphincter, "US"),
        ];
        for (sector, name) in cases {
            assert_eq!(sector.to_string(), name);
        }
    }

    #[test]
    fn central_zone_exists_only_at_the_base() {
        assert!("mid-right-CZ".parse::<Sector>().is_err());
        assert!("base-left-CZ".parse::<Sector>().is_ok());
    }

    #[test]
    fn unknown_names_are_refused_with_the_name() {
        let err = "mid-left-PZ".parse::<Sector>().unwrap_err();
        assert!(err.to_string().contains("`mid-left-PZ`"));
    }
}
