//! File names made from people's text (a student's id and name), safe on every file system a
//! class's files travel to: Linux, macOS, Windows, and the zip files LMSs hand out.

/// The longest name kept, in bytes, before the extension: well inside every file system's 255,
/// with room for the extension and a folder prefix in a zip.
const MAX_BYTES: usize = 120;

/// `text` as a file name without its extension: characters Windows or a path would read
/// (`< > : " / \ | ? *`, control characters) become `_`, runs of spaces one space, trailing dots
/// and spaces go (Windows drops them), a name Windows reserves (`CON`, `NUL`, `COM1` ...) gets a
/// `_` in front, and a name longer than [`MAX_BYTES`] is cut at a character boundary. Never
/// empty.
pub(crate) fn safe_file_name(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars() {
        let c = if c.is_control() || "<>:\"/\\|?*".contains(c) { '_' } else { c };
        if !(c.is_whitespace() && (name.is_empty() || name.ends_with(' '))) {
            name.push(if c.is_whitespace() { ' ' } else { c });
        }
        if name.len() > MAX_BYTES {
            name.pop();
            break;
        }
    }
    let name = name.trim_end_matches(['.', ' ']);
    let stem = name.split('.').next().unwrap_or_default().trim_end().to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    match name {
        "" => "_".to_string(),
        _ if reserved => format!("_{name}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_what_a_file_system_would_refuse_and_keep_the_rest() {
        let cases = [
            ("123 Jane Roe", "123 Jane Roe"),
            ("1/2 a\\b:c*d?e\"f<g>h|i", "1_2 a_b_c_d_e_f_g_h_i"),
            ("../../etc/passwd", ".._.._etc_passwd"),
            ("tab\there\nnew  line   ", "tab_here_new line"),
            ("dots... ", "dots"),
            ("CON", "_CON"),
            ("nul.txt", "_nul.txt"),
            ("com7", "_com7"),
            ("COMPUTER", "COMPUTER"),
            ("Zoë Ørsted 王", "Zoë Ørsted 王"),
            ("", "_"),
            ("...", "_"),
        ];
        for (text, want) in cases {
            assert_eq!(safe_file_name(text), want, "{text:?}");
        }
        let long = safe_file_name(&"é".repeat(200));
        assert!(long.len() <= MAX_BYTES && long.chars().all(|c| c == 'é'), "{long}");
    }
}
