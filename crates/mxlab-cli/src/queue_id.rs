//! `mxlab serve`'s queue ids, unique across processes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Postfix's alphabet for queue ids: digits and consonants, so that no id
/// spells a word; alphanumeric, so an id is at home in a `Received:` id
/// clause, in a reply and in a file name.
const QUEUE_ID_ALPHABET: &[u8; 52] = b"0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

/// Hands out queue ids unique across processes, as Postfix's long queue
/// ids are (`enable_long_queue_ids`: the time in seconds and microseconds,
/// then the queue file's inode number). An id is at least 15 characters
/// of [`QUEUE_ID_ALPHABET`], each field in base 52, most significant
/// digit first:
///
/// | field | characters |
/// | --- | --- |
/// | seconds since 1970 (modulo 52⁶: good until the year 2597) | 6 |
/// | microseconds within that second | 4 |
/// | the process id (modulo 52⁴, above Linux's largest pid, 2²²) | 4 |
/// | the process's message counter | 1 or more |
///
/// For example `4gFp2m0p9y0gxv1` (2026-05-13 09:25:04.114086, pid 97235,
/// the second message). The counter makes the ids of one process unique
/// whatever the clock does; the process id, those of two servers running
/// at once (two started in the same second among them), where time and a
/// counter alone would repeat.
#[derive(Debug)]
pub struct QueueIds {
    process: u32,
    counter: AtomicU64,
}

impl QueueIds {
    pub fn new(process: u32) -> QueueIds {
        QueueIds {
            process,
            counter: AtomicU64::new(0),
        }
    }

    /// The id of a message arriving at `now`.
    pub fn next(&self, now: SystemTime) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut id = String::with_capacity(16);
        base52(&mut id, since.as_secs() % 52u64.pow(6), 6);
        base52(&mut id, u64::from(since.subsec_micros()), 4);
        base52(&mut id, u64::from(self.process) % 52u64.pow(4), 4);
        base52(&mut id, n, 1);
        id
    }
}

/// Appends `value` in base 52, at least `width` digits.
fn base52(out: &mut String, mut value: u64, width: usize) {
    // 52^12 > 2^64: twelve digits hold any u64.
    let mut digits = [b'0'; 12];
    let mut len = 0;
    for slot in digits.iter_mut() {
        if value == 0 && len >= width {
            break;
        }
        let digit = usize::try_from(value % 52).unwrap_or(0);
        *slot = QUEUE_ID_ALPHABET.get(digit).copied().unwrap_or(b'0');
        value /= 52;
        len += 1;
    }
    out.extend(digits.iter().take(len).rev().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use std::collections::BTreeSet;

    use std::time::Duration;

    use super::*;

    /// 2026-05-13 09:25:04 UTC and some microseconds.
    fn at(micros: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(1_778_664_304, micros * 1000)
    }

    /// The fields of an id in the documented format, or why not.
    fn fields(id: &str) -> Result<[u64; 4], String> {
        let value = |part: &str| {
            part.bytes().try_fold(0u64, |v, c| {
                let digit = QUEUE_ID_ALPHABET.iter().position(|&a| a == c);
                let digit = digit
                    .ok_or_else(|| format!("{id}: {:?} not in the alphabet", char::from(c)))?;
                Ok::<u64, String>(v * 52 + digit as u64)
            })
        };
        if id.len() < 15 || !id.is_ascii() {
            return Err(format!("{id}: shorter than 15 characters"));
        }
        let (secs, rest) = id.split_at(6);
        let (micros, rest) = rest.split_at(4);
        let (process, counter) = rest.split_at(4);
        if counter.len() > 1 && counter.starts_with('0') {
            return Err(format!("{id}: the counter has a leading zero"));
        }
        Ok([
            value(secs)?,
            value(micros)?,
            value(process)?,
            value(counter)?,
        ])
    }

    #[test]
    fn the_documented_example() {
        let ids = QueueIds::new(97_235);
        assert_eq!(ids.next(at(114_086)), "4gFp2m0p9y0gxv0");
        assert_eq!(ids.next(at(114_086)), "4gFp2m0p9y0gxv1");
    }

    #[test]
    fn queue_ids_of_two_servers_started_in_the_same_second_differ() {
        // Two processes, each with its first message at the same instant:
        // the same time and the same counter, only the process differs.
        let (a, b) = (QueueIds::new(4_100), QueueIds::new(4_101));
        for micros in [0, 1, 999_999] {
            let (x, y) = (a.next(at(micros)), b.next(at(micros)));
            assert_ne!(x, y);
            assert_eq!(fields(&x).unwrap()[2], 4_100);
            assert_eq!(fields(&y).unwrap()[2], 4_101);
        }
        // The largest pid Linux hands out still has its own id.
        let (c, d) = (QueueIds::new(4_194_304), QueueIds::new(4_194_303));
        assert_ne!(c.next(at(7)), d.next(at(7)));
    }

    #[test]
    fn queue_ids_of_one_process_are_unique_and_in_the_documented_format() {
        let ids = QueueIds::new(std::process::id());
        let mut seen = BTreeSet::new();
        // Many messages in the same microsecond, from several threads at
        // once, then across arbitrary instants (a fixed LCG: replayable).
        let same = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..5_000).map(|_| ids.next(at(5))).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect::<Vec<_>>()
        });
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut any = Vec::new();
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let when =
                UNIX_EPOCH + Duration::new(x >> 32, u32::try_from(x % 1_000_000_000).unwrap());
            any.push((when, ids.next(when)));
        }
        for (i, id) in same.iter().enumerate() {
            assert!(seen.insert(id.clone()), "{id} handed out twice");
            let [secs, micros, process, counter] = fields(id).unwrap();
            assert_eq!((secs, micros), (1_778_664_304, 5), "{id}");
            assert_eq!(process, u64::from(std::process::id()) % 52u64.pow(4));
            assert!(counter < 20_000, "{id} (#{i})");
        }
        for (when, id) in &any {
            assert!(seen.insert(id.clone()), "{id} handed out twice");
            let since = when.duration_since(UNIX_EPOCH).unwrap();
            let [secs, micros, _, _] = fields(id).unwrap();
            assert_eq!(secs, since.as_secs() % 52u64.pow(6), "{id}");
            assert_eq!(micros, u64::from(since.subsec_micros()), "{id}");
            assert!(id.len() <= 17, "{id}");
        }
        assert_eq!(seen.len(), 40_000);
    }

    #[test]
    fn base52_pads_and_grows() {
        let mut s = String::new();
        base52(&mut s, 0, 4);
        base52(&mut s, 51, 1);
        base52(&mut s, 52, 1);
        assert_eq!(s, "0000z10");
        let mut max = String::new();
        base52(&mut max, u64::MAX, 1);
        assert_eq!(max.len(), 12);
    }
}
