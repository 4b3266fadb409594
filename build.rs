//! Embeds libtorch's library folder as an rpath so that `sweep` and the test
//! binaries start without LD_LIBRARY_PATH.

fn main() {
    // torch-sys (`links = "tch"`) publishes the folder it linked against.
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        let lib = std::fs::canonicalize(&lib).unwrap_or_else(|_| lib.into());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
