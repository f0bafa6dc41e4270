//! The Post-Read control (RFC 4527) on an add: the server returns the new
//! entry (its attributes and entryUUID) in the add's own answer, so the
//! connector need not search for it afterwards. The control's value is a
//! SearchResultEntry, decoded here without trusting its shape: a server
//! that sends something else only costs the read the connector did before.

use std::collections::HashMap;

use ldap3::asn1::{StructureTag, parse_tag};
use ldap3::controls::{PostRead, RawControl};
use ldap3::{LdapResult, SearchEntry};

/// RFC 4527's Post-Read control OID.
const POST_READ_OID: &str = "1.3.6.1.1.13.2";
/// BER's application tag of a SearchResultEntry.
const SEARCH_RESULT_ENTRY: u64 = 4;

/// The control asking for these attributes of the entry as added.
pub(super) fn request(attributes: &[&str]) -> RawControl {
    PostRead::new(attributes.to_vec())
}

/// The entry the server returned with the add's result, if it did.
pub(super) fn entry(result: &LdapResult) -> Option<SearchEntry> {
    let control = result.ctrls.iter().find(|c| c.1.ctype == POST_READ_OID)?;
    let (_, tag) = parse_tag(control.1.val.as_deref()?).ok()?;
    decode(tag)
}

/// A SearchResultEntry: the DN, then a sequence of (name, set of values).
fn decode(tag: StructureTag) -> Option<SearchEntry> {
    let mut parts = tag.match_id(SEARCH_RESULT_ENTRY)?.expect_constructed()?.into_iter();
    let dn = String::from_utf8(parts.next()?.expect_primitive()?).ok()?;
    let mut attrs = HashMap::new();
    let mut bin_attrs = HashMap::new();
    for attribute in parts.next()?.expect_constructed()? {
        let mut pair = attribute.expect_constructed()?.into_iter();
        let name = String::from_utf8(pair.next()?.expect_primitive()?).ok()?;
        let raw: Vec<Vec<u8>> = pair
            .next()?
            .expect_constructed()?
            .into_iter()
            .map(StructureTag::expect_primitive)
            .collect::<Option<_>>()?;
        // As ldap3 reads search entries: text values as text, others as bytes.
        match raw
            .iter()
            .map(|v| String::from_utf8(v.clone()).ok())
            .collect::<Option<Vec<_>>>()
        {
            Some(texts) => {
                attrs.insert(name, texts);
            }
            None => {
                bin_attrs.insert(name, raw);
            }
        }
    }
    Some(SearchEntry { dn, attrs, bin_attrs })
}

#[cfg(test)]
mod tests {
    use ldap3::asn1::{ASNTag, OctetString, Sequence, Set, Tag, TagClass, write};
    use ldap3::controls::Control;

    use super::*;

    fn octets(text: &[u8]) -> Tag {
        Tag::OctetString(OctetString {
            inner: text.to_vec(),
            ..Default::default()
        })
    }

    fn entry_ber(dn: &str, attributes: &[(&str, &[&[u8]])]) -> Vec<u8> {
        let attributes = attributes
            .iter()
            .map(|(name, values)| {
                Tag::Sequence(Sequence {
                    inner: vec![
                        octets(name.as_bytes()),
                        Tag::Set(Set {
                            inner: values.iter().map(|v| octets(v)).collect(),
                            ..Default::default()
                        }),
                    ],
                    ..Default::default()
                })
            })
            .collect();
        let tag = Tag::Sequence(Sequence {
            id: 4,
            class: TagClass::Application,
            inner: vec![
                octets(dn.as_bytes()),
                Tag::Sequence(Sequence {
                    inner: attributes,
                    ..Default::default()
                }),
            ],
        });
        let mut buf = bytes::BytesMut::new();
        write::encode_into(&mut buf, tag.into_structure()).unwrap();
        buf.to_vec()
    }

    fn result_with(val: Option<Vec<u8>>) -> LdapResult {
        LdapResult {
            rc: 0,
            matched: String::new(),
            text: String::new(),
            refs: Vec::new(),
            ctrls: vec![Control(
                None,
                RawControl {
                    ctype: POST_READ_OID.into(),
                    crit: false,
                    val,
                },
            )],
        }
    }

    #[test]
    fn the_entry_in_the_answer_is_read() {
        let ber = entry_ber(
            "uid=zoe,ou=people,dc=x",
            &[
                ("uid", &[b"zoe"]),
                ("entryUUID", &[b"1234"]),
                ("jpegPhoto", &[b"\xff\xd8"]),
            ],
        );
        let entry = entry(&result_with(Some(ber))).unwrap();
        assert_eq!(entry.dn, "uid=zoe,ou=people,dc=x");
        assert_eq!(entry.attrs["uid"], ["zoe"]);
        assert_eq!(entry.attrs["entryUUID"], ["1234"]);
        assert_eq!(entry.bin_attrs["jpegPhoto"], [b"\xff\xd8".to_vec()]);
    }

    #[test]
    fn anything_else_is_no_entry_and_no_panic() {
        assert!(entry(&result_with(None)).is_none());
        assert!(entry(&result_with(Some(vec![0x30, 0x03, 0x01]))).is_none());
        assert!(entry(&result_with(Some(vec![0x04, 0x01, b'x']))).is_none());
        let mut no_control = result_with(None);
        no_control.ctrls.clear();
        assert!(entry(&no_control).is_none());
    }
}
