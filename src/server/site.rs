//! The site folder's asset names. A release site (built by `scripts/build`)
//! has content-hashed names for the bundle and the stylesheet, listed in
//! `hash.txt`; a site built by `cargo leptos watch`, or none at all, has the
//! plain names.

use std::path::Path;

/// What the page shell links to.
#[derive(Clone, Debug)]
pub struct SiteAssets {
    /// The stylesheet's address.
    pub stylesheet: String,
    /// The bundle's name for Leptos (`rapport.<hash>`: it links
    /// `<name>.js` and `<name>_bg.wasm`).
    pub bundle: String,
}

impl SiteAssets {
    pub fn read(site_root: &Path) -> SiteAssets {
        let path = site_root.join("hash.txt");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return SiteAssets::plain();
        };
        let hash_of = |kind: &str| {
            text.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                (k.trim() == kind && is_hash(v.trim())).then(|| v.trim().to_string())
            })
        };
        let (Some(css), Some(bundle)) = (hash_of("css"), hash_of("bundle")) else {
            tracing::warn!(
                "{} is incomplete; the plain asset names are used",
                path.display()
            );
            return SiteAssets::plain();
        };
        SiteAssets {
            stylesheet: format!("/pkg/rapport.{css}.css"),
            bundle: format!("rapport.{bundle}"),
        }
    }

    /// The bundle's script and WebAssembly addresses.
    pub fn files(&self) -> (String, String) {
        (self.script(), self.wasm())
    }

    pub fn script(&self) -> String {
        format!("/pkg/{}.js", self.bundle)
    }

    /// wasm-bindgen names it `<name>_bg.wasm`; cargo-leptos (which sets
    /// `LEPTOS_OUTPUT_NAME` at build time) `<name>.wasm`.
    pub fn wasm(&self) -> String {
        let suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        format!("/pkg/{}{suffix}.wasm", self.bundle)
    }

    pub fn plain() -> SiteAssets {
        SiteAssets {
            stylesheet: "/pkg/rapport.css".into(),
            bundle: "rapport".into(),
        }
    }
}

fn is_hash(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a static file's name carries its content hash
/// (`/pkg/rapport.0123456789abcdef.css`, `…abcdef_bg.wasm`), so it never changes and a browser
/// may keep it for good.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let mut parts = name.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(stem), Some(hash), Some(_ext), None) if !stem.is_empty() && is_hash(hash.strip_suffix("_bg").unwrap_or(hash))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_asset("/pkg/rapport.0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("/pkg/rapport.0123456789abcdef.js"));
        assert!(is_hashed_asset("/pkg/rapport.0123456789ABCDEF.css"));
        assert!(!is_hashed_asset("/pkg/rapport.wasm"));
        assert!(!is_hashed_asset("/pkg/rapport.0123456789abcde.wasm"));
        assert!(!is_hashed_asset("/pkg/rapport.0123456789abcdef.wasm.br"));
        assert!(!is_hashed_asset("/favicon.svg"));
        assert!(!is_hashed_asset("/pkg/.0123456789abcdef.js"));
    }

    #[test]
    fn hash_file_is_read_when_complete() {
        let dir = std::env::temp_dir().join(format!("rapport-site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(SiteAssets::read(&dir).stylesheet, "/pkg/rapport.css");
        std::fs::write(dir.join("hash.txt"), "css: fedcba9876543210\n").unwrap();
        assert_eq!(SiteAssets::read(&dir).bundle, "rapport", "no bundle line");
        std::fs::write(
            dir.join("hash.txt"),
            "bundle: 1111222233334444\ncss: fedcba9876543210\n",
        )
        .unwrap();
        let assets = SiteAssets::read(&dir);
        assert_eq!(assets.stylesheet, "/pkg/rapport.fedcba9876543210.css");
        assert_eq!(assets.bundle, "rapport.1111222233334444");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
