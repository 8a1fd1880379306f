//! Short sounds of our own making (no recordings): a few notes from one
//! oscillator in the browser's Web Audio. One sound at a time: while one
//! plays, another is dropped rather than piled on top.

use crate::state::Sound;
use std::cell::{Cell, RefCell};
use web_sys::{AudioContext, AudioContextState, OscillatorType};

thread_local! {
    /// Made on first use and kept (browsers limit how many a page makes).
    static CONTEXT: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
    /// When the sound playing now ends (the context's clock, seconds).
    static BUSY_UNTIL: Cell<f64> = const { Cell::new(0.0) };
}

/// Notes (Hz) and how long each lasts (s), and the waveform.
fn score(sound: Sound) -> (&'static [(f32, f64)], OscillatorType) {
    match sound {
        // Two rising notes, soft.
        Sound::Message => (&[(784.0, 0.09), (1046.5, 0.14)], OscillatorType::Sine),
        // Three notes up: someone arrived.
        Sound::SignIn => (&[(523.3, 0.08), (659.3, 0.08), (784.0, 0.16)], OscillatorType::Triangle),
        // A low double buzz.
        Sound::Nudge => (&[(146.8, 0.09), (110.0, 0.05), (146.8, 0.12)], OscillatorType::Square),
    }
}

/// Makes the audio engine, at a key or a click of the person's: a browser
/// lets a page play sound only after one (a context made before stays
/// silent), and making it takes tens of milliseconds, better spent at a
/// click than when a hundred contacts come online at once.
pub fn prepare() {
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        match c.as_ref() {
            None => *c = AudioContext::new().ok(),
            Some(ctx) if ctx.state() == AudioContextState::Suspended => drop(ctx.resume()),
            Some(_) => {}
        }
    });
}

/// Play `sound` now, unless another is still playing.
pub fn play(sound: Sound) {
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = AudioContext::new().ok();
        }
        let Some(ctx) = c.as_ref() else { return };
        let now = ctx.current_time();
        if now < BUSY_UNTIL.with(Cell::get) {
            return;
        }
        if let Err(e) = notes(ctx, sound, now) {
            web_sys::console::info_1(&format!("msn-web: no sound: {e:?}").into());
        }
    });
}

fn notes(ctx: &AudioContext, sound: Sound, now: f64) -> Result<(), wasm_bindgen::JsValue> {
    let (notes, wave) = score(sound);
    let osc = ctx.create_oscillator()?;
    let gain = ctx.create_gain()?;
    osc.set_type(wave);
    let mut t = now;
    for (freq, len) in notes {
        osc.frequency().set_value_at_time(*freq, t)?;
        t += len;
    }
    // Quiet, with a short fade so that nothing clicks.
    let level = if wave == OscillatorType::Square { 0.04 } else { 0.12 };
    gain.gain().set_value_at_time(0.0, now)?;
    gain.gain().linear_ramp_to_value_at_time(level, now + 0.01)?;
    gain.gain().set_value_at_time(level, t - 0.03)?;
    gain.gain().linear_ramp_to_value_at_time(0.0, t)?;
    osc.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&ctx.destination())?;
    osc.start_with_when(now)?;
    osc.stop_with_when(t)?;
    BUSY_UNTIL.with(|b| b.set(t));
    Ok(())
}
