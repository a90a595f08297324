//! all-MiniLM-L6-v2 on the CPU with candle: a sentence becomes a 384-number
//! vector, and sentences that mean the same have vectors pointing the same
//! way. The weights come from the model's PyPI wheel at setup (never from
//! this repository, never over the network at run time).

use super::Embed;
use anyhow::{anyhow, Context};
use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use std::path::{Path, PathBuf};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

/// Word pieces read per reply. A reply of 1,000 characters is about 250;
/// anything past this is cut, which bounds the time one reply can cost.
const MAX_TOKENS: usize = 256;

/// Where `scripts/setup` puts the model: `$RAPPORT_MODEL_DIR`, or the user's
/// cache folder.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RAPPORT_MODEL_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/rapport/models/all-MiniLM-L6-v2")
}

pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    id: String,
}

impl MiniLm {
    /// Loads the model from `dir` (config.json, tokenizer.json,
    /// model.safetensors).
    pub fn load(dir: &Path) -> anyhow::Result<MiniLm> {
        let file = |name: &str| {
            let p = dir.join(name);
            if p.is_file() {
                Ok(p)
            } else {
                Err(anyhow!("{} is missing (run scripts/setup)", p.display()))
            }
        };
        let config_path = file("config.json")?;
        let weights = file("model.safetensors")?;
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(&config_path)
                .with_context(|| format!("cannot read {}", config_path.display()))?,
        )
        .with_context(|| format!("{} is not a BERT configuration", config_path.display()))?;
        let mut tokenizer = Tokenizer::from_file(file("tokenizer.json")?)
            .map_err(|e| anyhow!("cannot read the tokenizer: {e}"))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| anyhow!("cannot set the tokenizer's length: {e}"))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let size = std::fs::metadata(&weights)?.len();
        // SAFETY: the file is memory-mapped read-only; Rapport never writes
        // it, and setup replaces it by renaming a new folder into place.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DTYPE, &Device::Cpu)? };
        let model = BertModel::load(vb, &config).context("the weights do not fit the model")?;
        Ok(MiniLm {
            model,
            tokenizer,
            // The identity stored beside every vector: vectors of another
            // model (or other weights) are never compared with these.
            id: format!("all-MiniLM-L6-v2/{size}"),
        })
    }

    fn forward(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow!("cannot split the text into word pieces: {e}"))?;
        let device = Device::Cpu;
        let rows = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> anyhow::Result<Tensor> {
            let rows = encodings
                .iter()
                .map(|e| Tensor::new(f(e), &device))
                .collect::<candle_core::Result<Vec<_>>>()?;
            Ok(Tensor::stack(&rows, 0)?)
        };
        let ids = rows(&|e| e.get_ids())?;
        let mask = rows(&|e| e.get_attention_mask())?;
        let types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?;
        // Mean of the word pieces' vectors (padding left out), then unit length.
        let mask = mask.to_dtype(DTYPE)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}

impl Embed for MiniLm {
    fn id(&self) -> &str {
        &self.id
    }

    fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        // Batches of similar length waste little on padding; a few at a time
        // keep the memory of one call small.
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(16) {
            out.extend(self.forward(chunk)?);
        }
        Ok(out)
    }
}
