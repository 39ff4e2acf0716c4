//! Compiles csrc/shim.cpp (what libtorch's C API lacks: generators, grad
//! reset, grad_fn names) against libtorch's headers, as torch-sys compiles
//! its own shim; test binaries find libtorch through an rpath, like the addon.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=csrc/guard.h");
    println!("cargo:rerun-if-changed=csrc/shim.cpp");
    println!("cargo:rerun-if-changed=csrc/nn_ops.cpp");
    println!("cargo:rerun-if-changed=csrc/indexing.cpp");
    println!("cargo:rerun-if-changed=csrc/jit.cpp");
    println!("cargo:rerun-if-changed=csrc/aoti.cpp");
    println!("cargo:rerun-if-changed=csrc/autograd.cpp");
    println!("cargo:rerun-if-changed=csrc/dispatch.cpp");
    let libtorch = PathBuf::from(
        std::env::var("LIBTORCH")
            .expect("LIBTORCH names libtorch's directory (scripts/cargo.mjs sets it)"),
    );
    let include = libtorch.join("include");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("csrc/shim.cpp")
        .file("csrc/nn_ops.cpp")
        .file("csrc/indexing.cpp")
        .file("csrc/jit.cpp")
        .file("csrc/aoti.cpp")
        .file("csrc/autograd.cpp")
        .file("csrc/dispatch.cpp")
        .include(&include)
        .include(include.join("torch/csrc/api/include"))
        .warnings(false);
    if std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") {
        build.flag("/std:c++17");
    } else {
        build.flag("-std=c++17").flag("-D_GLIBCXX_USE_CXX11_ABI=1");
    }
    build.compile("torchts_shim");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}/lib", libtorch.display());
}
