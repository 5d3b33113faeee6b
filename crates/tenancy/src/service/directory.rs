//! Resolving a request's tenant from its host name or `X-Tenant` slug.
//!
//! Every request resolves its tenant, so lookups are cached in memory. A write through this
//! process clears the cache at once; other replicas see a change within `ttl` (a few seconds),
//! which bounds how long a suspension takes to reach every replica.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use kernel::{AppError, AppResult};
use sea_orm::ConnectionTrait;

use crate::service::tenants::{self, Tenant};

/// Lower-cases a `Host` header value and drops its port, a trailing dot and a leading `www.`.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        // a port (but not the inside of a bracketed IPv6 address)
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !host.ends_with(']') => {
            name.to_owned()
        }
        _ => host,
    };
    let host = host.trim_end_matches('.');
    host.strip_prefix("www.").unwrap_or(host).to_owned()
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Host(String),
    Slug(String),
}

/// A cached answer: when it was read, and the tenant (or that there is none).
type Entry = (Instant, Option<Arc<Tenant>>);

pub struct TenantDirectory {
    ttl: Duration,
    entries: RwLock<HashMap<Key, Entry>>,
}

impl TenantDirectory {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: RwLock::new(HashMap::new()) }
    }

    /// The tenant for a request: its host if that is a tenant domain, else its `X-Tenant` slug
    /// (an unknown slug is `NOT_FOUND`), else none.
    pub async fn resolve(
        &self,
        conn: &impl ConnectionTrait,
        host: Option<&str>,
        slug: Option<&str>,
    ) -> AppResult<Option<Arc<Tenant>>> {
        if let Some(host) = host.map(normalize_host).filter(|h| !h.is_empty())
            && let Some(tenant) = self.lookup(conn, Key::Host(host)).await?
        {
            return Ok(Some(tenant));
        }
        match slug.map(str::trim).filter(|s| !s.is_empty()) {
            Some(slug) => match self.lookup(conn, Key::Slug(slug.to_ascii_lowercase())).await? {
                Some(tenant) => Ok(Some(tenant)),
                None => Err(AppError::not_found("tenant").with_field("X-Tenant")),
            },
            None => Ok(None),
        }
    }

    /// Forgets every cached answer; called after any tenant write.
    pub fn invalidate(&self) {
        self.entries.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    async fn lookup(&self, conn: &impl ConnectionTrait, key: Key) -> AppResult<Option<Arc<Tenant>>> {
        if let Some((at, hit)) = self.entries.read().unwrap_or_else(|p| p.into_inner()).get(&key)
            && at.elapsed() < self.ttl
        {
            return Ok(hit.clone());
        }
        let found = match &key {
            Key::Host(host) => tenants::find_by_domain(conn, host).await?,
            Key::Slug(slug) => tenants::find_by_slug(conn, slug).await?,
        }
        .map(Arc::new);
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        // Unknown hosts are cached too, but the map is bounded so junk Host headers cannot grow it.
        if entries.len() >= 10_000 {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), found.clone()));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_host;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("Essays.Example:8080"), "essays.example");
        assert_eq!(normalize_host("www.papers.localhost"), "papers.localhost");
        assert_eq!(normalize_host("WWW.Example.com."), "example.com");
        assert_eq!(normalize_host("localhost"), "localhost");
        assert_eq!(normalize_host("[::1]:8080"), "[::1]");
    }
}
