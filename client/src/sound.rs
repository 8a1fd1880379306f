//! Short sounds of our own making (no recordings): a few notes from one
//! oscillator in the browser's Web Audio. One sound at a time: while one
//! plays, another is dropped rather than piled on top. Between sounds the
//! audio engine is suspended: a running one keeps the browser's audio
//! thread busy, a cost to the battery for nothing (and with sounds off it
//! would run all day).

use crate::state::Sound;
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{AudioContext, OscillatorType};

thread_local! {
    /// Made on first use and kept (browsers limit how many a page makes).
    static CONTEXT: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
    /// When the sound playing now ends (the page's clock, ms): the
    /// context's own clock stands still while it is suspended.
    static BUSY_UNTIL: Cell<f64> = const { Cell::new(0.0) };
    /// Sounds begun so far: the engine sleeps when the last one ends.
    static BEGUN: Cell<u64> = const { Cell::new(0) };
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
/// It is suspended at once, until a sound plays: made at a gesture, it may
/// start again later without one.
pub fn prepare() {
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        if made(&mut c)
            && let Some(ctx) = c.as_ref()
        {
            let _ = ctx.suspend();
        }
    });
}

/// Makes the page's one context if there is none yet; whether it did.
fn made(c: &mut Option<AudioContext>) -> bool {
    let none = c.is_none();
    if none {
        *c = AudioContext::new().ok();
    }
    none
}

/// Play `sound` now, unless another is still playing.
pub fn play(sound: Sound) {
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        made(&mut c);
        let Some(ctx) = c.as_ref() else { return };
        let wall = crate::net::perf_now();
        if wall < BUSY_UNTIL.with(Cell::get) {
            return;
        }
        // Woken whatever its state says: asleep, "interrupted" (iOS, after
        // a call), or still "running" while a suspend asked for a moment ago
        // (the last sound just ended) has not happened yet; the engine does
        // the two in order, so it ends awake. Running, it is a no-op. The
        // notes are set on the context's clock, which stands still until it
        // runs: they play whole, from the start. A refusal shows in the
        // console as the promise's rejection.
        let _ = ctx.resume();
        match notes(ctx, sound, ctx.current_time()) {
            Ok(secs) => BUSY_UNTIL.with(|b| b.set(wall + secs * 1000.0)),
            Err(e) => web_sys::console::info_1(&format!("msn-web: no sound: {e:?}").into()),
        }
    });
}

/// Sets the notes of `sound` from `now` (the context's clock); how long
/// they last (s).
fn notes(ctx: &AudioContext, sound: Sound, now: f64) -> Result<f64, wasm_bindgen::JsValue> {
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
    // Asleep again once it has ended (however late the engine woke),
    // unless another sound began meanwhile.
    let this = BEGUN.with(|b| {
        b.set(b.get() + 1);
        b.get()
    });
    let ended = Closure::once_into_js(move || {
        if BEGUN.with(Cell::get) == this {
            CONTEXT.with(|c| c.borrow().as_ref().map(AudioContext::suspend));
        }
    });
    osc.set_onended(Some(ended.unchecked_ref()));
    Ok(t - now)
}
