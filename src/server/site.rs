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
    /// The bundle's name (`rapport.<hash>`: `<name>.js` and
    /// `<name>_bg.wasm`), with every island.
    pub bundle: String,
    /// The learner's bundle (`learner.<hash>`), with only the islands of
    /// the learner's pages; the whole bundle where there is none.
    pub learner: String,
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
        let bundle = format!("rapport.{bundle}");
        SiteAssets {
            stylesheet: format!("/pkg/rapport.{css}.css"),
            learner: hash_of("learner")
                .map(|h| format!("learner.{h}"))
                .unwrap_or_else(|| bundle.clone()),
            bundle,
        }
    }

    /// A bundle's script and WebAssembly addresses: the learner's or the
    /// whole one. wasm-bindgen names the wasm `<name>_bg.wasm`; cargo-leptos
    /// (which sets `LEPTOS_OUTPUT_NAME` at build time) `<name>.wasm`.
    pub fn files(&self, learner: bool) -> (String, String) {
        let name = if learner { &self.learner } else { &self.bundle };
        let suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        (
            format!("/pkg/{name}.js"),
            format!("/pkg/{name}{suffix}.wasm"),
        )
    }

    pub fn plain() -> SiteAssets {
        SiteAssets {
            stylesheet: "/pkg/rapport.css".into(),
            bundle: "rapport".into(),
            learner: "rapport".into(),
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
        assert_eq!(
            assets.learner, "rapport.1111222233334444",
            "no learner line: the whole bundle"
        );
        std::fs::write(
            dir.join("hash.txt"),
            "bundle: 1111222233334444\nlearner: 5555666677778888\ncss: fedcba9876543210\n",
        )
        .unwrap();
        let assets = SiteAssets::read(&dir);
        assert_eq!(
            assets.files(true),
            (
                "/pkg/learner.5555666677778888.js".to_string(),
                "/pkg/learner.5555666677778888_bg.wasm".to_string()
            )
        );
        assert_eq!(assets.files(false).0, "/pkg/rapport.1111222233334444.js");
        assert!(is_hashed_asset(&assets.files(true).1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
