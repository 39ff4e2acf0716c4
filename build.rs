//! napi-rs setup plus the addon's RUNPATH. Only `$ORIGIN` (a libtorch placed
//! beside the addon): the build machine's libtorch directory would be wrong
//! on every other machine, so ts/native.ts loads libtorch from wherever it
//! was found before it loads the addon, in Node, Bun and Deno alike.
fn main() {
    napi_build::setup();
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("windows") => {} // no RUNPATH there; DLLs are found by the loader's search path
        Ok("macos") => println!("cargo:rustc-link-arg=-Wl,-rpath,@loader_path"),
        _ => println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN"),
    }
}
