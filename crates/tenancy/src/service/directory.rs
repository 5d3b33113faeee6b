//! Resolving a request's tenant from its host name or `X-Tenant` slug.
//!
//! Every request resolves its tenant, so lookups are cached in memory (moka: bounded, each
//! answer expires after `ttl`, and its admission policy keeps the hosts in real use when junk
//! `Host` headers arrive in bulk). A write through this process clears the cache at once;
//! other replicas see a change within `ttl` (a few seconds), which bounds how long a suspension
//! takes to reach every replica.

use std::sync::Arc;
use std::time::Duration;

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

/// How many answers (tenants, or that a host or slug is none) are kept.
const CAPACITY: u64 = 10_000;

pub struct TenantDirectory {
    entries: moka::sync::Cache<Key, Option<Arc<Tenant>>>,
}

impl TenantDirectory {
    pub fn new(ttl: Duration) -> Self {
        Self { entries: moka::sync::Cache::builder().max_capacity(CAPACITY).time_to_live(ttl).build() }
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
        self.entries.invalidate_all();
    }

    async fn lookup(&self, conn: &impl ConnectionTrait, key: Key) -> AppResult<Option<Arc<Tenant>>> {
        if let Some(hit) = self.entries.get(&key) {
            return Ok(hit);
        }
        let found = match &key {
            Key::Host(host) => tenants::find_by_domain(conn, host).await?,
            Key::Slug(slug) => tenants::find_by_slug(conn, slug).await?,
        }
        .map(Arc::new);
        self.entries.insert(key, found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_hosts_neither_grow_the_cache_past_its_bound_nor_evict_the_hosts_in_use() {
        let directory = TenantDirectory::new(Duration::from_secs(60));
        let real = Key::Host("essays.example".into());
        directory.entries.insert(real.clone(), None);
        for i in 0..50_000 {
            // the real host keeps being asked for while junk pours in
            if i % 10 == 0 {
                assert!(directory.entries.get(&real).is_some(), "evicted after {i} junk hosts");
            }
            directory.entries.insert(Key::Host(format!("junk-{i}.example")), None);
        }
        directory.entries.run_pending_tasks();
        assert!(directory.entries.entry_count() <= CAPACITY);
        assert!(directory.entries.get(&real).is_some());
    }

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("Essays.Example:8080"), "essays.example");
        assert_eq!(normalize_host("www.papers.localhost"), "papers.localhost");
        assert_eq!(normalize_host("WWW.Example.com."), "example.com");
        assert_eq!(normalize_host("localhost"), "localhost");
        assert_eq!(normalize_host("[::1]:8080"), "[::1]");
    }
}
