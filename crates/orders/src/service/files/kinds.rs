//! What a file is, read from its first bytes (magic numbers; plain text by being UTF-8 without
//! control characters), never from the name or the type the browser claims. Only documents,
//! spreadsheets, slides, images and archives of them are taken, and a name must agree with its
//! content, so a download opens in what its name promises.

/// A type of file the API takes.
#[derive(Debug, PartialEq, Eq)]
pub struct FileType {
    pub mime: &'static str,
    pub label: &'static str,
    pub extensions: &'static [&'static str],
}

const fn t(mime: &'static str, label: &'static str, extensions: &'static [&'static str]) -> FileType {
    FileType { mime, label, extensions }
}

/// Every type taken; anything else is refused (`FILE_TYPE_REFUSED`).
pub const ACCEPTED: &[FileType] = &[
    t("application/pdf", "a PDF document", &["pdf"]),
    t("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a Word document", &["docx"]),
    t("application/msword", "a Word 97-2003 document", &["doc"]),
    t("application/vnd.oasis.opendocument.text", "an OpenDocument text", &["odt"]),
    t("application/rtf", "a rich text document", &["rtf"]),
    t("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "an Excel workbook", &["xlsx"]),
    t("application/vnd.ms-excel", "an Excel 97-2003 workbook", &["xls"]),
    t("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet", &["ods"]),
    t("application/vnd.openxmlformats-officedocument.presentationml.presentation", "a PowerPoint deck", &["pptx"]),
    t("application/vnd.ms-powerpoint", "a PowerPoint 97-2003 deck", &["ppt"]),
    t("application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation", &["odp"]),
    t("image/png", "a PNG image", &["png"]),
    t("image/jpeg", "a JPEG image", &["jpg", "jpeg"]),
    t("image/gif", "a GIF image", &["gif"]),
    t("image/webp", "a WebP image", &["webp"]),
    t("application/zip", "a ZIP archive", &["zip"]),
    TEXT,
];

const TEXT: FileType = t("text/plain; charset=utf-8", "plain text", &["txt", "md", "csv", "tex", "bib"]);

/// How many bytes of a file [`sniff`] reads: an Office file is recognised by the names of the
/// first entries of its ZIP, which may lie some kilobytes in.
pub const HEAD_BYTES: usize = 64 * 1024;

/// The accepted type `head` (a file's first bytes, all of them if it is shorter) is, if any.
pub fn sniff(head: &[u8]) -> Option<&'static FileType> {
    match infer::get(head) {
        Some(found) => ACCEPTED.iter().find(|a| a.mime == found.mime_type()),
        None if is_text(head) => ACCEPTED.iter().find(|a| *a == &TEXT),
        None => None,
    }
}

/// UTF-8 (a character cut off at the end of the head allowed) with no control characters but
/// tabs, line ends and form feeds.
fn is_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        // the head may end inside a character; an invalid sequence before that is not text
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => return false,
    };
    !valid.is_empty() && !valid.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// The extension of `name`, lowercased.
pub fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").map(|t| t.mime), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").map(|t| t.mime), Some("image/png"));
        assert_eq!(sniff("An essay on Hume, \u{e9}t\u{e9}.\n".as_bytes()).map(|t| t.label), Some("plain text"));
        // an executable, whatever it is called, is nothing we take
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), None);
        // binary that is not a known type, and text with control characters
        assert_eq!(sniff(&[0u8, 1, 2, 3, 4, 5]), None);
        assert_eq!(sniff(b"text\x1b[31m red"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_character_cut_by_the_head_is_still_text() {
        let text = "caf\u{e9}".as_bytes();
        assert!(is_text(&text[..text.len() - 1]));
        assert!(!is_text(b"\xff\xfeabc"));
    }

    #[test]
    fn extensions_are_lowercased() {
        assert_eq!(extension("Essay.DOCX").as_deref(), Some("docx"));
        assert_eq!(extension("README"), None);
        assert_eq!(extension("trailing."), None);
    }
}
