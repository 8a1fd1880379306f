//! Authentication arithmetic: MD5 login (MSNP2-7) and the `CHL`/`QRY`
//! challenge answers (MSNP6-10 and the MSNP11+ algorithm).

use crate::types::Dialect;
use md5::{Digest, Md5};

fn md5_hex(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    format!("{:x}", h.finalize())
}

/// `USR t MD5 S <this>`: lowercase hex of `md5(challenge + password)`.
pub fn md5_login_response(challenge: &str, password: &str) -> String {
    md5_hex(&[challenge.as_bytes(), password.as_bytes()])
}

/// A client product id and its secret key, used to answer `CHL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    pub id: &'static str,
    pub key: &'static str,
}

/// Products servers know, oldest first.
pub const PRODUCTS: &[Product] = &[
    Product { id: "msmsgs@msnmsgr.com", key: "Q1P7W2E4J9R8U3S5" },
    Product { id: "PROD0038W!61ZTF9", key: "VT6PX?UQTM4WM%YR" },
    Product { id: "PROD0058#7IL2{QD", key: "QHDCY@7R1TB6W?5B" },
    Product { id: "PROD0061VRRZH@4F", key: "JXQ6J@TUOGYV@N0M" },
    Product { id: "PROD00504RLUG%WL", key: "I2EBK%PYNLZL5_J4" },
    Product { id: "PROD0076ENE8*@AW", key: "CEQJ8}OE0!WTSWII" },
    Product { id: "PROD0090YUAUV{2B", key: "YMM8C_H7KCQ2S_KL" },
    Product { id: "PROD0101{0RM?UBW", key: "CFHUR$52U_{VIX5T" },
    Product { id: "PROD0113H11T8$X_", key: "RG@XY*28Q5QHS%Q5" },
];

impl Product {
    pub fn by_id(id: &str) -> Option<Product> {
        PRODUCTS.iter().copied().find(|p| p.id == id)
    }

    /// The product a client of this dialect identifies as.
    pub fn for_dialect(d: Dialect) -> Product {
        Product::by_id(d.product_id()).expect("every dialect's product is listed above")
    }
}

/// The 32-hex-digit `QRY` answer to `CHL 0 challenge` in dialect `d`.
pub fn challenge_response(d: Dialect, challenge: &str, product: Product) -> String {
    if d.qry_v11() { qry_v11(challenge, product) } else { md5_hex(&[challenge.as_bytes(), product.key.as_bytes()]) }
}

/// MSNP11+ answer: an MD5 of challenge and key, mixed with a hash of the
/// challenge and product id.
fn qry_v11(challenge: &str, product: Product) -> String {
    const MASK: u64 = 0x7FFF_FFFF;
    let digest = Md5::new().chain_update(challenge).chain_update(product.key).finalize();
    let w: [u32; 4] =
        std::array::from_fn(|i| u32::from_le_bytes(digest[i * 4..i * 4 + 4].try_into().expect("4 bytes")));
    let m: [u64; 4] = std::array::from_fn(|i| u64::from(w[i]) & MASK);

    let mut s = format!("{challenge}{}", product.id).into_bytes();
    let pad = 8 - s.len() % 8;
    s.resize(s.len() + pad, b'0');
    let c: Vec<u64> =
        s.chunks_exact(4).map(|b| u64::from(u32::from_le_bytes(b.try_into().expect("4 bytes")))).collect();

    let (mut high, mut low) = (0u64, 0u64);
    for pair in c.chunks_exact(2) {
        let mut t = (pair[0] * 0x0E79_A9C1) % MASK;
        t = (m[0] * (t + high) + m[1]) % MASK;
        high = (m[2] * ((pair[1] + t) % MASK) + m[3]) % MASK;
        low += high + t;
    }
    high = (high + m[1]) % MASK;
    low = (low + m[3]) % MASK;
    let (high, low) = (high as u32, low as u32);
    [w[0] ^ high, w[1] ^ low, w[2] ^ high, w[3] ^ low]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msnp9_seed_log_known_answer() {
        let p = Product::by_id("PROD0061VRRZH@4F").unwrap();
        assert_eq!(challenge_response(Dialect::MSNP9, "31184266611687220492", p), "5b0151b7fd3b704f8a05f5cbd39a20d2");
    }

    #[test]
    fn msnp11_public_vectors() {
        let p = Product::by_id("PROD0090YUAUV{2B").unwrap();
        for (chl, want) in [
            ("22210219642164014968", "85ecb0db8f32113df79ce0892b9a102c"),
            ("36819795137093047918", "e7ad3cb09d3e9e4e7c720175984809e9"),
            ("21948129323261853323", "59bcf63ed21f44906c3d3e121ddbed65"),
        ] {
            assert_eq!(challenge_response(Dialect::MSNP11, chl, p), want, "{chl}");
        }
        let p13 = Product::by_id("PROD0113H11T8$X_").unwrap();
        assert_eq!(
            challenge_response(Dialect::MSNP12, "11533365622852247127", p13),
            "f086d1ded067186deca8dba2231602cf"
        );
    }

    #[test]
    fn md5_login_is_hex_of_challenge_then_password() {
        // md5("abc") is the RFC 1321 test vector.
        assert_eq!(md5_login_response("a", "bc"), "900150983cd24fb0d6963f7d28e17f72");
    }
}
