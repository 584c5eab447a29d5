//! Signing keys (generated from a seed or read from text) and the public
//! keys read back from DKIM key records (RFC 6376 §3.6.1, RFC 8463 §4).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use rand_core::SeedableRng as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, DecodeRsaPublicKey as _};
use rsa::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256};

use super::Algorithm;

/// The smallest and largest RSA keys MX Lab makes and checks signatures
/// with (RFC 8301 §3.2: at least 1024 bits; verifiers must handle up to
/// 4096 and only "MAY" handle more, so MX Lab stops there: arithmetic on a
/// larger modulus, which a hostile scenario or key record could make
/// megabytes long, costs time for nothing).
pub(crate) const RSA_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

/// The size in bits of a DER integer's magnitude (leading zeros ignored).
fn uint_bits(bytes: &[u8]) -> usize {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(first) => bytes.get(first..).unwrap_or_default(),
        None => return 0,
    };
    let top = bytes.first().map_or(0, |b| 8 - b.leading_zeros() as usize);
    (bytes.len() - 1) * 8 + top
}

/// The modulus size of an RSA public key given as a SubjectPublicKeyInfo
/// or a bare PKCS#1 RSAPublicKey, read from the DER structure alone
/// (before any number is built); None when it is neither.
fn public_modulus_bits(der: &[u8]) -> Option<usize> {
    let pkcs1 = match rsa::pkcs8::SubjectPublicKeyInfoRef::try_from(der) {
        Ok(spki) => spki.subject_public_key.as_bytes()?,
        Err(_) => der,
    };
    let key = rsa::pkcs1::RsaPublicKey::try_from(pkcs1).ok()?;
    Some(uint_bits(key.modulus.as_bytes()))
}

/// The modulus size of an RSA private key given as PKCS#8 or PKCS#1 DER,
/// read from the DER structure alone; None when it is neither.
fn private_modulus_bits(der: &[u8]) -> Option<usize> {
    let pkcs1 = match rsa::pkcs8::PrivateKeyInfo::try_from(der) {
        Ok(info) => info.private_key,
        Err(_) => der,
    };
    let key = rsa::pkcs1::RsaPrivateKey::try_from(pkcs1).ok()?;
    Some(uint_bits(key.modulus.as_bytes()))
}

/// A private key a domain signs its mail with.
// The variants' shapes are part of the public API the simulator uses.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum SigningKey {
    /// An Ed25519 key (RFC 8463).
    Ed25519(ed25519_dalek::SigningKey),
    /// An RSA key (RFC 6376 §3.3.1).
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl std::fmt::Debug for SigningKey {
    /// Shows the algorithm and the public key record, never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm().as_str())
            .field("record", &self.dns_record())
            .finish()
    }
}

/// Why a signing key could not be made or read.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The text is not base64 (or PEM around base64).
    #[error("the key is not valid base64 or PEM text")]
    NotBase64,
    /// The bytes are not a key of the expected kind.
    #[error("the text is not a {0} private key (expected {1})")]
    NotAKey(&'static str, &'static str),
    /// The RSA key size is outside what MX Lab signs with.
    #[error("an RSA key of {0} bits is not supported: use 1024 to 4096 bits (RFC 8301 §3.2 forbids fewer than 1024)")]
    RsaSize(usize),
    /// RSA key generation failed.
    #[error("the RSA key could not be generated: {0}")]
    Generation(String),
}

impl SigningKey {
    /// An Ed25519 key whose 32-byte secret is SHA-256 of `seed` (the simulator derives it from the scenario seed, domain and selector, so runs are deterministic).
    ///
    /// RFC 8463 §3: the secret is 32 bytes, as in RFC 8032 §5.1.5.
    pub fn ed25519_from_seed(seed: &[u8]) -> SigningKey {
        let secret: [u8; 32] = Sha256::digest(seed).into();
        SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret))
    }

    /// An RSA key of `bits` bits generated deterministically from `seed` (ChaCha20 RNG). bits 1024..=4096.
    ///
    /// RFC 8301 §3.2: keys under 1024 bits are refused. Generating a large
    /// key takes noticeable time (seconds for 4096 bits in a browser).
    pub fn rsa_from_seed(seed: &[u8], bits: usize) -> Result<SigningKey, KeyError> {
        if !RSA_BITS.contains(&bits) {
            return Err(KeyError::RsaSize(bits));
        }
        let rng_seed: [u8; 32] = Sha256::digest(seed).into();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(rng_seed);
        rsa::RsaPrivateKey::new(&mut rng, bits)
            .map(|key| SigningKey::Rsa(Box::new(key)))
            .map_err(|e| KeyError::Generation(e.to_string()))
    }

    /// A key given as base64 (whitespace ignored): 32 raw bytes or PKCS#8 DER for Ed25519; PKCS#8 or PKCS#1 DER for RSA; also accept PEM text.
    ///
    /// RFC 8463 §3 (Ed25519 keys), RFC 6376 §3.3.1 (RSA keys).
    pub fn from_base64(algorithm: Algorithm, text: &str) -> Result<SigningKey, KeyError> {
        let der = if text.contains("-----BEGIN") {
            // PEM: the base64 between the armour lines.
            let body: String = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("-----"))
                .collect();
            decode_base64(&body)?
        } else {
            decode_base64(text)?
        };
        match algorithm {
            Algorithm::Ed25519Sha256 => {
                if let Ok(secret) = <[u8; 32]>::try_from(der.as_slice()) {
                    return Ok(SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                        &secret,
                    )));
                }
                ed25519_dalek::SigningKey::from_pkcs8_der(&der)
                    .map(SigningKey::Ed25519)
                    .map_err(|_| KeyError::NotAKey("Ed25519", "32 raw bytes or PKCS#8"))
            }
            Algorithm::RsaSha256 => {
                // Refuse a key of the wrong size before building its numbers
                // (validating a huge key costs time for nothing).
                if let Some(bits) = private_modulus_bits(&der) {
                    if !RSA_BITS.contains(&bits) {
                        return Err(KeyError::RsaSize(bits));
                    }
                }
                let key = rsa::RsaPrivateKey::from_pkcs8_der(&der)
                    .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_der(&der))
                    .map_err(|_| KeyError::NotAKey("RSA", "PKCS#8 or PKCS#1"))?;
                let bits = key.n().bits();
                if !RSA_BITS.contains(&bits) {
                    return Err(KeyError::RsaSize(bits));
                }
                Ok(SigningKey::Rsa(Box::new(key)))
            }
        }
    }

    /// The signing algorithm the key is for.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Ed25519(_) => Algorithm::Ed25519Sha256,
            SigningKey::Rsa(_) => Algorithm::RsaSha256,
        }
    }

    /// The TXT record that publishes the public key: `"v=DKIM1; k=ed25519; p=<base64>"` (RFC 8463 §4) or `"v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>"`.
    ///
    /// Publish it at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.2.1).
    pub fn dns_record(&self) -> String {
        match self {
            SigningKey::Ed25519(key) => format!(
                "v=DKIM1; k=ed25519; p={}",
                STANDARD.encode(key.verifying_key().to_bytes())
            ),
            SigningKey::Rsa(key) => {
                let spki = rsa::RsaPublicKey::from(key.as_ref())
                    .to_public_key_der()
                    .map(|doc| STANDARD.encode(doc.as_bytes()))
                    .unwrap_or_default();
                format!("v=DKIM1; k=rsa; p={spki}")
            }
        }
    }

    /// Signs the SHA-256 hash of `data` (RFC 8463 §3: Ed25519 signs the
    /// hash; RFC 6376 §3.3.1: RSASSA-PKCS1-v1_5 with SHA-256). `None` only
    /// if the RSA primitive refuses, which a valid key never does.
    pub(crate) fn sign_data(&self, data: &[u8]) -> Option<Vec<u8>> {
        let digest = Sha256::digest(data);
        match self {
            SigningKey::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                Some(key.sign(&digest).to_bytes().to_vec())
            }
            SigningKey::Rsa(key) => key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest).ok(),
        }
    }
}

fn decode_base64(text: &str) -> Result<Vec<u8>, KeyError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).map_err(|_| KeyError::NotBase64)
}

/// A public key from a key record.
pub(crate) enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

/// Why a public key could not be used.
pub(crate) enum PublicKeyError {
    /// Not a key of the record's type.
    Malformed,
    /// An RSA key of fewer than 1024 bits (RFC 8301 §3.2).
    RsaTooSmall(usize),
    /// An RSA key of more than 4096 bits, more than MX Lab checks (RFC 8301 §3.2).
    RsaTooLarge(usize),
}

impl PublicKey {
    /// Reads the decoded `p=` value for key type `k=` (RFC 6376 §3.6.1,
    /// RFC 8463 §4): a SubjectPublicKeyInfo (or, as some publish, a bare
    /// PKCS#1 RSAPublicKey) for RSA, 32 raw bytes for Ed25519.
    pub(crate) fn read(algorithm: Algorithm, bytes: &[u8]) -> Result<PublicKey, PublicKeyError> {
        match algorithm {
            Algorithm::Ed25519Sha256 => {
                let raw = <[u8; 32]>::try_from(bytes).map_err(|_| PublicKeyError::Malformed)?;
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map(PublicKey::Ed25519)
                    .map_err(|_| PublicKeyError::Malformed)
            }
            Algorithm::RsaSha256 => {
                // The size is read from the DER before any number is built,
                // so a huge modulus costs nothing.
                match public_modulus_bits(bytes) {
                    Some(bits) if bits > *RSA_BITS.end() => {
                        return Err(PublicKeyError::RsaTooLarge(bits))
                    }
                    Some(bits) if bits < *RSA_BITS.start() => {
                        return Err(PublicKeyError::RsaTooSmall(bits))
                    }
                    _ => {}
                }
                let key = rsa::RsaPublicKey::from_public_key_der(bytes)
                    .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(bytes))
                    .map_err(|_| PublicKeyError::Malformed)?;
                let bits = key.n().bits();
                if bits < *RSA_BITS.start() {
                    return Err(PublicKeyError::RsaTooSmall(bits));
                }
                if bits > *RSA_BITS.end() {
                    return Err(PublicKeyError::RsaTooLarge(bits));
                }
                Ok(PublicKey::Rsa(key))
            }
        }
    }

    /// Whether `signature` signs the SHA-256 hash of `data`.
    pub(crate) fn verify(&self, data: &[u8], signature: &[u8]) -> bool {
        let digest = Sha256::digest(data);
        match self {
            PublicKey::Ed25519(key) => {
                use ed25519_dalek::Verifier as _;
                match ed25519_dalek::Signature::from_slice(signature) {
                    Ok(signature) => key.verify(&digest, &signature).is_ok(),
                    Err(_) => false,
                }
            }
            PublicKey::Rsa(key) => key
                .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                .is_ok(),
        }
    }
}
