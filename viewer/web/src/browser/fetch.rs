//! Fetching from the server that served the page, with the page's session cookie. The browser
//! decodes the stored zstd itself (`Content-Encoding: zstd`), so bytes arrive as voxels.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

fn describe(error: JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            js_sys::JSON::stringify(&error)
                .ok()
                .and_then(|text| text.as_string())
        })
        .unwrap_or_else(|| "fetch failed".to_owned())
}

async fn get(url: &str) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(describe)?;
    if !response.ok() {
        return Err(format!(
            "{url}: {} {}",
            response.status(),
            response.status_text()
        ));
    }
    Ok(response)
}

pub async fn json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let response = get(url).await?;
    let text = JsFuture::from(response.text().map_err(describe)?)
        .await
        .map_err(describe)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|error| format!("{url}: {error}"))
}

pub async fn bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = get(url).await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Streams the body of `url`, handing each chunk to `chunk` as it arrives.
pub async fn stream(url: &str, mut chunk: impl FnMut(&[u8])) -> Result<(), String> {
    let response = get(url).await?;
    let body = response.body().ok_or_else(|| format!("{url}: no body"))?;
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| format!("{url}: the body cannot be read as a stream"))?;
    loop {
        let result = JsFuture::from(reader.read()).await.map_err(describe)?;
        let done = js_sys::Reflect::get(&result, &"done".into()).map_err(describe)?;
        if done.as_bool().unwrap_or(true) {
            return Ok(());
        }
        let value = js_sys::Reflect::get(&result, &"value".into()).map_err(describe)?;
        chunk(&Uint8Array::new(&value).to_vec());
    }
}
