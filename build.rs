//! napi-rs setup plus the libtorch rpath: torch-sys's own rpath flag never
//! reaches the final link, so the addon records where libtorch lives.
fn main() {
    napi_build::setup();
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN");
}
