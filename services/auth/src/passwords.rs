//! argon2id on a fixed pool of hashing threads, each reusing one memory block.
//!
//! Parameters are OWASP's (19 MiB, 2 passes, 1 lane). argon2id needs its whole memory
//! cost for every hash. Allocated per hash on tokio's blocking pool (up to 512 threads),
//! those 19 MiB buffers were served by glibc from per-thread arenas once its dynamic mmap
//! threshold had risen past 19 MiB (it rises to the size of the last large block freed),
//! and the arenas kept them: after a burst of logins auth stayed at 750–830 MiB (README,
//! "auth's memory", has the measurements). Here `concurrency` threads are started once,
//! each allocates its block once and reuses it for every hash and verification, so auth
//! holds exactly `concurrency` × 19 MiB for hashing whatever the load, and allocates
//! nothing per login. Requests beyond the pool wait in a bounded queue (backpressure,
//! never a thread per request).

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{
        PasswordVerifier,
        phc::{Output, ParamsString, PasswordHash, Salt},
    },
};
use kit::ApiError;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// 19 MiB in KiB (one block each), 2 passes, 1 lane: OWASP's argon2id minimum.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
/// Requests waiting for a hashing thread, per thread, before callers wait to enqueue.
const QUEUE_PER_THREAD: usize = 64;

fn params() -> Params {
    // Params::new only fails for out-of-range values; these are constants in range.
    Params::new(M_COST, T_COST, P_COST, None).unwrap_or_default()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

enum Work {
    Hash(String),
    /// A password and the PHC string to check it against.
    Verify(String, String),
}

enum Done {
    Hashed(String),
    Verified(bool),
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Done, String>>,
}

#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    /// A real hash of a random password: verifying an unknown user's login against it
    /// costs the same time as a known one, so timing does not reveal which names exist.
    dummy_hash: Arc<String>,
}

/// A new PHC string for `password`, computed in `memory`.
fn hash_in(password: &[u8], memory: &mut [Block]) -> Result<String, String> {
    let salt_bytes: [u8; Salt::RECOMMENDED_LENGTH] = rand::random();
    let salt = Salt::new(&salt_bytes).map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2()
        .hash_password_into_with_memory(password, &salt, &mut out, memory)
        .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params()).map_err(|e| e.to_string())?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash`. Hashes made with this module's
/// parameters are computed in `memory`; any other (an older cost) the library's way.
fn verify_in(password: &[u8], hash: &str, memory: &mut [Block]) -> Result<bool, String> {
    let parsed = PasswordHash::new(hash).map_err(|e| e.to_string())?;
    let theirs = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| e.to_string())?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| e.to_string())?,
        None => Version::default(),
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err("the stored hash has no salt or output".into());
    };
    let ours = params();
    if (theirs.m_cost(), theirs.t_cost(), theirs.p_cost())
        != (ours.m_cost(), ours.t_cost(), ours.p_cost())
    {
        return Ok(argon2().verify_password(password, &parsed).is_ok());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, theirs)
        .hash_password_into_with_memory(password, salt.as_ref(), &mut out, memory)
        .map_err(|e| e.to_string())?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(|e| e.to_string())? == *expected)
}

/// One hashing thread: its block, allocated once, then jobs until the queue closes.
fn worker(queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut memory = vec![Block::default(); params().block_count()];
    loop {
        let job = match queue.lock() {
            Ok(mut rx) => rx.blocking_recv(),
            Err(_) => None,
        };
        let Some(job) = job else { return };
        let result = match job.work {
            Work::Hash(password) => hash_in(password.as_bytes(), &mut memory).map(Done::Hashed),
            Work::Verify(password, hash) => {
                verify_in(password.as_bytes(), &hash, &mut memory).map(Done::Verified)
            }
        };
        let _ = job.reply.send(result);
    }
}

impl Hasher {
    /// Starts `concurrency` hashing threads (at least one); they end when every clone of
    /// the hasher is dropped.
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let threads = concurrency.max(1);
        let (jobs, rx) = mpsc::channel(threads * QUEUE_PER_THREAD);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(rx))?;
        }
        let mut memory = vec![Block::default(); params().block_count()];
        let dummy = hash_in(ulid::Ulid::generate().to_string().as_bytes(), &mut memory)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self {
            jobs,
            dummy_hash: Arc::new(dummy),
        })
    }

    async fn run(&self, work: Work) -> Result<Done, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { work, reply })
            .await
            .map_err(|_| ApiError::internal("the hashing threads are gone"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a hashing thread dropped its job"))?
            .map_err(ApiError::internal)
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        match self.run(Work::Hash(password)).await? {
            Done::Hashed(phc) => Ok(phc),
            Done::Verified(_) => Err(ApiError::internal("a hash job answered a verification")),
        }
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no user.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        match self.run(Work::Verify(password, hash)).await? {
            Done::Verified(ok) => Ok(ok && real),
            Done::Hashed(_) => Err(ApiError::internal(
                "a verification job answered with a hash",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;

    #[tokio::test]
    async fn hashes_verify_both_ways_and_match_the_library() {
        let h = Hasher::new(2).expect("hasher");
        let phc = h.hash("correct horse".into()).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            h.verify("correct horse".into(), Some(phc.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !h.verify("wrong horse".into(), Some(phc.clone()))
                .await
                .expect("verify")
        );
        // The library verifies ours, and we verify the library's (same parameters).
        assert!(
            argon2()
                .verify_password(b"correct horse", &PasswordHash::new(&phc).expect("phc"))
                .is_ok()
        );
        let theirs = argon2()
            .hash_password(b"battery staple")
            .expect("lib hash")
            .to_string();
        assert!(
            h.verify("battery staple".into(), Some(theirs))
                .await
                .expect("verify")
        );
        // An older, cheaper cost still verifies (the library's path).
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).expect("params"),
        )
        .hash_password(b"old one")
        .expect("cheap hash")
        .to_string();
        assert!(
            h.verify("old one".into(), Some(cheap.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !h.verify("not it".into(), Some(cheap))
                .await
                .expect("verify")
        );
        // No such user: the dummy is checked, and the answer is always no.
        assert!(!h.verify("anything".into(), None).await.expect("verify"));
        // Two hashes of one password differ (fresh salts).
        assert_ne!(phc, h.hash("correct horse".into()).await.expect("hash"));
    }

    #[tokio::test]
    async fn many_at_once_all_answer() {
        let h = Hasher::new(2).expect("hasher");
        let phc = h.hash("pw".into()).await.expect("hash");
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let (h, phc) = (h.clone(), phc.clone());
                tokio::spawn(async move {
                    let pw = if i % 2 == 0 { "pw" } else { "nope" };
                    h.verify(pw.into(), Some(phc)).await.expect("verify") == (i % 2 == 0)
                })
            })
            .collect();
        for t in tasks {
            assert!(t.await.expect("join"));
        }
    }
}
