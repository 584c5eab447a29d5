//! A trace's JSON form, `{"events": [...]}`, written one event at a time
//! and read back into the compact store.

use serde::{Deserialize, Serialize};

use super::{Trace, TraceEvent};

/// The events, one at a time, for serialisation.
struct EventsSer<'a>(&'a Trace);

impl Serialize for EventsSer<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl Serialize for Trace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Trace", 1)?;
        s.serialize_field("events", &EventsSer(self))?;
        s.end()
    }
}

/// The JSON form of a trace.
#[derive(Deserialize)]
#[serde(rename = "Trace")]
struct TraceJson {
    events: Vec<TraceEvent>,
}

impl<'de> Deserialize<'de> for Trace {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = TraceJson::deserialize(deserializer)?;
        let mut trace = Trace::new();
        for e in json.events {
            trace.push_event(e);
        }
        Ok(trace)
    }
}
