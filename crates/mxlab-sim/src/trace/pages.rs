//! A trace's events and the octets of its lines, kept in pages that never
//! move once written: a store of hundreds of MiB grows without copying
//! what it holds. (In the browser, one vector of line octets doubling from
//! 128 to 256 MiB held the page for a tenth of a second.)

/// Events per page of [`Paged`]: about 0.9 MiB of 56-byte records.
const SHIFT: usize = 14;
const PER_PAGE: usize = 1 << SHIFT;
const MASK: usize = PER_PAGE - 1;

/// A list in pages of [`PER_PAGE`] elements, all full but the last.
#[derive(Debug, Clone)]
pub(crate) struct Paged<T> {
    pages: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Paged<T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.pages.get(i >> SHIFT)?.get(i & MASK)
    }

    pub(crate) fn last(&self) -> Option<&T> {
        self.pages.last()?.last()
    }

    pub(crate) fn push(&mut self, value: T) {
        match self.pages.last_mut() {
            Some(page) if page.len() < PER_PAGE => page.push(value),
            _ => {
                let mut page = Vec::with_capacity(PER_PAGE);
                page.push(value);
                self.pages.push(page);
            }
        }
        self.len += 1;
    }

    /// The number of elements before the first that fails `pred`, the
    /// list being partitioned by it (as [`slice::partition_point`]).
    pub(crate) fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        // The pages wholly before the point: those whose last element
        // passes.
        let full = self
            .pages
            .partition_point(|page| page.last().is_some_and(&mut pred));
        match self.pages.get(full) {
            // Every page before it is full.
            Some(page) => (full << SHIFT) + page.partition_point(&mut pred),
            None => self.len,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.pages.iter().flatten()
    }

    /// A copy of the first `n` elements.
    pub(crate) fn prefix(&self, n: usize) -> Self {
        let n = n.min(self.len);
        let mut pages: Vec<Vec<T>> = Vec::with_capacity(n.div_ceil(PER_PAGE));
        let mut left = n;
        for page in &self.pages {
            if left == 0 {
                break;
            }
            let take = left.min(page.len());
            let mut copy = Vec::with_capacity(PER_PAGE);
            copy.extend_from_slice(page.get(..take).unwrap_or_default());
            pages.push(copy);
            left -= take;
        }
        Paged { pages, len: n }
    }
}

/// Octets per page of [`TextPages`]; a longer line gets a page of its own.
const TEXT_PAGE: usize = 1 << 20;

/// Octets appended a line at a time, each line whole in one page; a
/// line's place is its page (high 32 bits) and its offset in the page.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextPages {
    pages: Vec<Vec<u8>>,
}

/// How far a [`TextPages`] has got: its pages, and the last one's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextMark {
    pages: usize,
    last: usize,
}

impl TextPages {
    /// Appends `octets`; returns their place for [`TextPages::get`].
    pub(crate) fn push(&mut self, octets: &[u8]) -> u64 {
        let fits = self
            .pages
            .last()
            .is_some_and(|p| p.capacity() - p.len() >= octets.len());
        if !fits {
            self.pages
                .push(Vec::with_capacity(TEXT_PAGE.max(octets.len())));
        }
        let page = self.pages.len() - 1;
        let Some(p) = self.pages.last_mut() else {
            return 0;
        };
        let offset = p.len();
        p.extend_from_slice(octets);
        ((page as u64) << 32) | offset as u64
    }

    /// The `len` octets at `place`.
    pub(crate) fn get(&self, place: u64, len: u32) -> &[u8] {
        let page = usize::try_from(place >> 32).unwrap_or(usize::MAX);
        let from = (place & 0xffff_ffff) as usize;
        self.pages
            .get(page)
            .and_then(|p| p.get(from..from.saturating_add(len as usize)))
            .unwrap_or_default()
    }

    pub(crate) fn mark(&self) -> TextMark {
        TextMark {
            pages: self.pages.len(),
            last: self.pages.last().map_or(0, Vec::len),
        }
    }

    /// A copy as it stood at `mark`.
    pub(crate) fn prefix(&self, mark: TextMark) -> Self {
        let n = mark.pages.min(self.pages.len());
        let mut pages: Vec<Vec<u8>> = self.pages.get(..n).unwrap_or_default().to_vec();
        if let Some(last) = pages.last_mut() {
            last.truncate(mark.last);
            // Room to go on writing in place, as the original had.
            last.reserve_exact(TEXT_PAGE.saturating_sub(last.len()));
        }
        TextPages { pages }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_lists_index_search_and_cut_across_pages() {
        let mut p = Paged::default();
        let n = PER_PAGE * 2 + 7;
        for i in 0..n {
            p.push(i / 3);
        }
        assert_eq!(p.len(), n);
        assert_eq!(p.get(PER_PAGE + 5), Some(&((PER_PAGE + 5) / 3)));
        assert_eq!(p.get(n), None);
        assert_eq!(p.last(), Some(&((n - 1) / 3)));
        for t in [0, 1, PER_PAGE / 3, PER_PAGE / 3 + 1, n / 3, n] {
            let want = (0..n)
                .map(|i| i / 3)
                .collect::<Vec<_>>()
                .partition_point(|&x| x < t);
            assert_eq!(p.partition_point(|&x| x < t), want, "{t}");
        }
        let cut = p.prefix(PER_PAGE + 1);
        assert_eq!(cut.len(), PER_PAGE + 1);
        assert_eq!(cut.iter().count(), PER_PAGE + 1);
        assert_eq!(cut.last(), Some(&(PER_PAGE / 3)));
    }

    #[test]
    fn lines_stay_whole_in_their_pages_and_a_cut_copy_goes_on_writing() {
        let mut t = TextPages::default();
        let line = vec![b'x'; 1000];
        let places: Vec<u64> = (0..2_000).map(|_| t.push(&line)).collect();
        let long = vec![b'y'; TEXT_PAGE + 5];
        let big = t.push(&long);
        let after = t.push(b"QUIT");
        assert!(t.pages.len() >= 3);
        assert!(places.iter().all(|&p| t.get(p, 1000) == line.as_slice()));
        assert_eq!(t.get(big, long.len() as u32), long.as_slice());
        assert_eq!(t.get(after, 4), b"QUIT");
        let mark = t.mark();
        t.push(b"more");
        let mut copy = t.prefix(mark);
        assert_eq!(copy.mark(), mark);
        let next = copy.push(b"next");
        assert_eq!(copy.get(next, 4), b"next");
        assert_eq!(copy.get(after, 4), b"QUIT");
    }
}
