//! Where a sign-in comes from, approximately: the city and country a MaxMind-format database
//! (GeoIP2 / GeoLite2 City, or Country) gives for the client's address when the server has one
//! (`SCRIPTORIUM_GEOIP_DB`), and otherwise the address's network (`/24` for IPv4, `/48` for
//! IPv6), which is as much as an address says by itself. The place is a short text, shown on the
//! security page and compared to tell a new place from a known one.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// What a locating database knows of an address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Located {
    pub city: Option<String>,
    pub country: Option<String>,
}

/// A source of locations (a MaxMind database; a fake in tests).
pub trait Locate: Send + Sync + 'static {
    /// The city and country of `ip`, as far as known; `None` when the address is not known.
    fn locate(&self, ip: IpAddr) -> Option<Located>;
}

/// The server's way of placing addresses: a database when there is one, the network otherwise.
#[derive(Clone, Default)]
pub struct Locator(Option<Arc<dyn Locate>>);

impl fmt::Debug for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Locator(database)" } else { "Locator(network)" })
    }
}

impl Locator {
    pub fn new(source: impl Locate) -> Self {
        Self(Some(Arc::new(source)))
    }

    /// Opens a MaxMind-format database (`.mmdb`), read into memory once.
    pub fn open(path: &str) -> Result<Self, String> {
        let reader = maxminddb::Reader::open_readfile(path)
            .map_err(|e| format!("cannot read the location database {path}: {e}"))?;
        Ok(Self::new(MaxMind(reader)))
    }

    /// What the security page calls the place of `ip` (an address as the request gave it):
    /// "City, Country", "Country", or the network. `None` only for text that is not an address.
    pub fn place(&self, ip: &str) -> Option<String> {
        let ip: IpAddr = ip.parse().ok()?;
        let located = self.0.as_ref().and_then(|source| source.locate(ip)).unwrap_or_default();
        let label = match (located.city, located.country) {
            (Some(city), Some(country)) => format!("{city}, {country}"),
            (None, Some(country)) => country,
            _ => network(ip),
        };
        Some(label.chars().take(120).collect())
    }
}

/// The network an address belongs to: its `/24` (IPv4) or `/48` (IPv6).
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{}/24", Ipv4Addr::new(a, b, c, 0))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{}/48", Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
            }
        },
    }
}

struct MaxMind(maxminddb::Reader<Vec<u8>>);

impl Locate for MaxMind {
    fn locate(&self, ip: IpAddr) -> Option<Located> {
        let found = self.0.lookup(ip).ok()?;
        let city: maxminddb::geoip2::City<'_> = found.decode().ok()??;
        let located = Located {
            city: city.city.names.english.map(str::to_owned),
            country: city.country.names.english.map(str::to_owned),
        };
        (located != Located::default()).then_some(located)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Locate for Fixed {
        fn locate(&self, ip: IpAddr) -> Option<Located> {
            match ip.to_string().as_str() {
                "198.51.100.7" => Some(Located { city: Some("Lisbon".into()), country: Some("Portugal".into()) }),
                "198.51.100.8" => Some(Located { city: None, country: Some("Portugal".into()) }),
                _ => None,
            }
        }
    }

    #[test]
    fn without_a_database_the_place_is_the_network() {
        let none = Locator::default();
        assert_eq!(none.place("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(none.place("2001:db8:abcd:12::1").as_deref(), Some("2001:db8:abcd::/48"));
        assert_eq!(none.place("::ffff:203.0.113.9").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(none.place("not an address"), None);
    }

    #[test]
    fn a_database_names_the_city_and_country_and_falls_back_to_the_network() {
        let fixed = Locator::new(Fixed);
        assert_eq!(fixed.place("198.51.100.7").as_deref(), Some("Lisbon, Portugal"));
        assert_eq!(fixed.place("198.51.100.8").as_deref(), Some("Portugal"));
        assert_eq!(fixed.place("192.0.2.1").as_deref(), Some("192.0.2.0/24"));
    }
}
