//! The simulated channel of the link and session tests: a small deterministic generator and a
//! channel that drops, corrupts, duplicates and splits frames at seeded rates.
#![allow(dead_code)]

/// splitmix64: a small deterministic generator, so the test needs no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `p` (in parts per million).
    pub fn chance(&mut self, ppm: u64) -> bool {
        self.below(1_000_000) < ppm
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Faults {
    pub drop_ppm: u64,
    pub corrupt_ppm: u64,
    pub duplicate_ppm: u64,
    pub split_ppm: u64,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct FaultCounts {
    pub frames: u64,
    pub dropped: u64,
    pub corrupted: u64,
    pub duplicated: u64,
    pub split: u64,
}

/// Passes one frame through the channel: the chunks delivered, in order.
pub fn channel(frame: &[u8], rng: &mut Rng, f: &Faults, c: &mut FaultCounts) -> Vec<Vec<u8>> {
    c.frames += 1;
    if rng.chance(f.drop_ppm) {
        c.dropped += 1;
        return Vec::new();
    }
    let mut frame = frame.to_vec();
    if rng.chance(f.corrupt_ppm) {
        // One byte changed: a burst of at most 8 bits, which CRC-16 always detects.
        c.corrupted += 1;
        let i = rng.below(frame.len() as u64) as usize;
        frame[i] ^= 1 + rng.below(255) as u8;
    }
    let copies = if rng.chance(f.duplicate_ppm) {
        c.duplicated += 1;
        2
    } else {
        1
    };
    let mut out = Vec::new();
    for _ in 0..copies {
        if frame.len() > 2 && rng.chance(f.split_ppm) {
            c.split += 1;
            let mut rest = &frame[..];
            while !rest.is_empty() {
                let n = 1 + rng.below(rest.len() as u64) as usize;
                out.push(rest[..n].to_vec());
                rest = &rest[n..];
            }
        } else {
            out.push(frame.clone());
        }
    }
    out
}
