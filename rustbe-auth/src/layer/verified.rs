//! Access tokens whose signature was checked already, and what every request with one needs.

use std::sync::Arc;

use rustbe_core::access::Principal;
use rustbe_core::{Error, ErrorCode};

use super::AccessClaims;
use crate::revocation::{RevocationList, access_token_key, session_key};
use crate::token::Claims;

/// Access tokens whose signature was checked already: a client sends the same token on every
/// request, and checking an HMAC and parsing the claims cost more than the rest of a cached
/// read. An entry is used only for the exact same token, and only while its `exp` and `nbf`
/// hold (with the leeway); revocation is checked on every request all the same. At most
/// [`VerifiedTokens::MAX`] entries; a full map is emptied.
///
/// The map is keyed by the token's last 8 bytes, which end its signature: an HMAC's output, so
/// they already are a uniform hash and are used as one as they are (no hashing of the token
/// per request). Only verified tokens are stored, so nobody can fill the map with chosen
/// keys; two tokens that share their last 8 bytes only take turns in one slot.
#[derive(Default)]
pub(super) struct VerifiedTokens {
    map: std::sync::RwLock<
        std::collections::HashMap<u64, Arc<Verified>, std::hash::BuildHasherDefault<Tail>>,
    >,
}

/// The hasher of [`VerifiedTokens`]: its keys are hashes already.
#[derive(Default)]
struct Tail(u64);

impl std::hash::Hasher for Tail {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A verified token and what every request with it needs: its claims, the caller and the
/// revocation keys, built once per token instead of once per request.
pub(super) struct Verified {
    token: Box<str>,
    claims: Arc<Claims>,
    pub(super) principal: Principal,
    pub(super) keys: [String; 2],
}

impl Verified {
    pub(super) fn new(token: &str, claims: Claims) -> Self {
        let principal = Principal::new(claims.sub.clone(), claims.roles.iter().cloned());
        let keys = [access_token_key(&claims.jti), session_key(&claims.sid)];
        Self {
            token: token.into(),
            claims: Arc::new(claims),
            principal,
            keys,
        }
    }

    /// The caller, when `revocation` answers without waiting (in memory); `None` when it
    /// has to be asked ([`Verified::caller_later`]). The one decision of both the
    /// [`Authenticator`](super::Authenticator) and the layer's service.
    pub(super) fn caller_now(
        &self,
        revocation: &dyn RevocationList,
    ) -> Option<Result<(Principal, AccessClaims), Error>> {
        revocation
            .is_any_revoked_now(&self.keys)
            .map(|answer| answer.and_then(|revoked| self.caller(revoked)))
    }

    /// The caller, once `revocation` has answered over the network.
    pub(super) async fn caller_later(
        &self,
        revocation: &dyn RevocationList,
    ) -> Result<(Principal, AccessClaims), Error> {
        let revoked = revocation.is_any_revoked(&self.keys).await?;
        self.caller(revoked)
    }

    /// The caller and claims, or 401 `INVALID_TOKEN` when the token or its session is
    /// `revoked`.
    fn caller(&self, revoked: bool) -> Result<(Principal, AccessClaims), Error> {
        if revoked {
            #[cfg(feature = "metrics")]
            rustbe_core::metrics::record::auth_failure("revoked");
            return Err(Error::new(ErrorCode::InvalidToken).with_message("Token has been revoked"));
        }
        Ok((self.principal.clone(), AccessClaims(self.claims.clone())))
    }
}

impl VerifiedTokens {
    pub(super) const MAX: usize = 4096;

    /// The key of `token`: its last 8 bytes (fewer for a shorter token).
    pub(super) fn key(bytes: &[u8]) -> u64 {
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut key = [0_u8; 8];
        key[..tail.len()].copy_from_slice(tail);
        u64::from_le_bytes(key)
    }

    pub(super) fn get(&self, token: &[u8], now: u64, leeway: u64) -> Option<Arc<Verified>> {
        let map = self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let verified = map.get(&Self::key(token))?;
        let claims = &verified.claims;
        let current = verified.token.as_bytes() == token
            && now <= claims.exp.saturating_add(leeway)
            && claims.nbf <= now.saturating_add(leeway);
        current.then(|| verified.clone())
    }

    /// How many tokens are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    pub(super) fn insert(&self, verified: Arc<Verified>) {
        let mut map = self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(Self::key(verified.token.as_bytes()), verified);
    }
}
