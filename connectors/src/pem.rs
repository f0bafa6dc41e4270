//! PEM certificates an administrator gives Provisio to trust (an LDAP
//! target's `ca_certificate`, the agent's `--ca-cert`): read strictly, so
//! a wrong file is an error instead of silently trusting nothing.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// Every certificate in `pem`; an error when there is none or one is broken.
pub fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM certificates: {e}"))?;
    if certificates.is_empty() {
        return Err("no -----BEGIN CERTIFICATE----- block".to_owned());
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_a_certificate_is_refused() {
        assert_eq!(
            certificates(b"not a certificate").unwrap_err(),
            "no -----BEGIN CERTIFICATE----- block"
        );
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(certificates(broken).unwrap_err().starts_with("not PEM certificates"));
    }
}
