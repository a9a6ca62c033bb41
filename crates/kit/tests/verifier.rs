//! The verified-token cache accepts exactly what a full verification accepts: a remembered
//! token still expires, a token changed by one byte is checked afresh, and the cache is
//! bounded.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use kit::auth::{Claims, Verifier};

fn verifier(entries: usize) -> Verifier {
    let pem = std::fs::read(&testkit::keys().public).expect("public key");
    Verifier::from_pem(&pem, "instant-auth", "instant")
        .expect("verifier")
        .remembering(entries)
}

fn token(sub: i64, exp_in: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        iss: "instant-auth".into(),
        aud: "instant".into(),
        sub: sub.to_string(),
        role: "user".into(),
        iat: now,
        exp: now + exp_in,
        jti: testkit::unique(),
        sid: None,
    };
    let key = EncodingKey::from_ed_pem(&std::fs::read(&testkit::keys().private).expect("key"))
        .expect("pem");
    encode(&Header::new(Algorithm::EdDSA), &claims, &key).expect("sign")
}

#[test]
fn a_verified_token_is_remembered_and_answers_the_same() {
    let v = verifier(100);
    let t = token(7, 600);
    let first = v.verify(&t).expect("valid");
    assert_eq!(v.remembered(), 1);
    let again = v.verify(&t).expect("still valid");
    assert_eq!(
        (again.sub.as_str(), again.exp),
        (first.sub.as_str(), first.exp)
    );
    assert_eq!(v.remembered(), 1, "a hit adds nothing");
}

#[test]
fn a_remembered_token_still_expires() {
    let v = verifier(100);
    // Expired 4 s ago: accepted within the 5 s leeway for about one more second.
    let t = token(8, -(kit::auth::LEEWAY_SECS as i64) + 1);
    v.verify(&t).expect("within the leeway");
    assert_eq!(v.remembered(), 1);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(
        v.verify(&t).is_err(),
        "past exp + leeway even though remembered"
    );
    assert!(verifier(0).verify(&t).is_err(), "and a full check agrees");
}

#[test]
fn a_changed_token_is_verified_afresh() {
    let v = verifier(100);
    let t = token(9, 600);
    v.verify(&t).expect("valid");
    // Same signature, another payload: a different token, so a full check that fails.
    let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    let other = token(10, 600);
    parts[1] = other.split('.').nth(1).expect("payload").to_owned();
    let forged = parts.join(".");
    assert!(v.verify(&forged).is_err());
    assert!(v.verify("not.a.token").is_err());
    assert_eq!(v.remembered(), 1, "failures are never remembered");
}

#[test]
fn the_cache_is_bounded_and_can_be_off() {
    let v = verifier(16);
    for i in 0..200 {
        v.verify(&token(100 + i, 600)).expect("valid");
    }
    assert!(v.remembered() <= 16, "{} remembered", v.remembered());
    let off = verifier(0);
    off.verify(&token(1, 600)).expect("valid");
    assert_eq!(off.remembered(), 0);
}
