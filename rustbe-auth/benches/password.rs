//! Criterion benchmark of argon2id hash and verify with the default (OWASP) parameters, run
//! straight on the hasher's blocking pool as the auth router does.
//!
//! `cargo bench -p rustbe-auth --bench password`

#![allow(clippy::expect_used, reason = "a benchmark fails loudly")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rustbe_auth::password::PasswordHasher;

fn password(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hasher = PasswordHasher::new();
    let hash = runtime
        .block_on(hasher.hash("Correct1!horse"))
        .expect("hash");
    let mut group = c.benchmark_group("argon2id m=19MiB t=2 p=1");
    group.sample_size(20);
    group.bench_function("hash", |b| {
        b.iter(|| {
            runtime
                .block_on(hasher.hash(black_box("Correct1!horse")))
                .expect("hash");
        });
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            runtime
                .block_on(hasher.verify(black_box("Correct1!horse"), black_box(&hash)))
                .expect("verify")
        });
    });
    group.finish();
}

criterion_group!(benches, password);
criterion_main!(benches);
