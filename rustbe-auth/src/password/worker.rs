//! The hashing threads of a [`PasswordHasher`](super::PasswordHasher): each owns its argon2
//! memory ([`Worker`]) and runs at the lowest priority, taking jobs until the hasher is dropped.

use std::sync::Mutex;
use std::sync::mpsc::Receiver;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rustbe_core::Error;

use super::hasher::Job;

/// What a hashing thread owns: the parameters of new hashes and the argon2 memory it reuses.
pub(super) struct Worker {
    params: Params,
    /// `params.block_count()` blocks, allocated at the first hash and kept.
    blocks: Vec<Block>,
}

fn internal(err: impl std::fmt::Display) -> Error {
    Error::internal(format!("argon2: {err}"))
}

fn stored(err: impl std::fmt::Display) -> Error {
    Error::internal(format!("stored password hash: {err}"))
}

impl Worker {
    /// argon2 of `password` and `salt` (base64, as in a PHC string) into `out`, in the
    /// thread's memory; a stored hash with more memory than ours gets a buffer of its own.
    fn compute(
        &mut self,
        argon: &Argon2<'_>,
        params: &Params,
        password: &[u8],
        salt: argon2::password_hash::Salt<'_>,
        out: &mut [u8],
    ) -> Result<(), argon2::password_hash::Error> {
        let mut salt_bytes = [0_u8; 64];
        let salt = salt.decode_b64(&mut salt_bytes)?;
        let needed = params.block_count();
        if needed > self.params.block_count() {
            let mut blocks = vec![Block::default(); needed];
            return Ok(argon.hash_password_into_with_memory(password, salt, out, &mut blocks)?);
        }
        if self.blocks.len() < needed {
            self.blocks = vec![Block::default(); self.params.block_count()];
        }
        Ok(argon.hash_password_into_with_memory(password, salt, out, &mut self.blocks)?)
    }

    /// A PHC string of `password` with a fresh salt and the pool's parameters.
    pub(super) fn hash(&mut self, password: &[u8]) -> Result<String, Error> {
        let params = self.params.clone();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = SaltString::generate(&mut OsRng);
        let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(len, |out| {
            self.compute(&argon, &params, password, salt.as_salt(), out)
        })
        .map_err(internal)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(internal)?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches the PHC string `phc` (its own algorithm, version and
    /// parameters); the outputs are compared in constant time.
    pub(super) fn verify(&mut self, password: &[u8], phc: &str) -> Result<bool, Error> {
        let parsed = PasswordHash::new(phc).map_err(stored)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(Error::internal("stored password hash: no salt or no hash"));
        };
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(stored)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(stored)?
            .unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(stored)?;
        let argon = Argon2::new(algorithm, version, params.clone());
        let computed = Output::init_with(expected.len(), |out| {
            self.compute(&argon, &params, password, salt, out)
        })
        .map_err(internal)?;
        // `Output`'s equality is constant-time.
        Ok(computed == expected)
    }
}

/// One thread of the pool: lowest priority, then jobs until the hasher is dropped.
pub(super) fn hashing_thread(queue: &Mutex<Receiver<Job>>, params: Params) {
    lower_priority();
    let mut worker = Worker {
        params,
        blocks: Vec::new(),
    };
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut worker),
            Err(_) => return,
        }
    }
}

/// thread-priority's cross-platform value that maps to nice 10 for normal Linux threads
/// (its scale runs from 0, nice 19, to 99, nice -20).
const NICE_10: u8 = 22;

/// `SCHED_BATCH` at nice 10 on Linux; nice 10 elsewhere; as-is if neither is allowed
/// (hashing still works, only less politely).
///
/// Measured on 2 cores (`scripts/bench-auth.sh`): at nice 10 logins still reach the argon2
/// ceiling and `/health`'s p99 stays within 1.5x of idle; at nice 0 the p99 grows 10-20x, at
/// nice 19 login throughput drops to ~80 % of the ceiling.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    let Ok(value) = ThreadPriorityValue::try_from(NICE_10) else {
        return;
    };
    let priority = ThreadPriority::Crossplatform(value);
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        let batch = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
        if set_thread_priority_and_policy(thread_native_id(), priority, batch).is_ok() {
            return;
        }
    }
    if let Err(err) = set_current_thread_priority(priority) {
        tracing::debug!(?err, "could not lower the priority of a hashing thread");
    }
}
