//! Compiles HiGHS's library from the kept sources with the `cc` crate, at the flags HiGHS's
//! own CMake build uses for a static Release library (`-DFAST_BUILD=ON -DZLIB=OFF
//! -DBUILD_SHARED_LIBS=OFF`): the same 216 files (`sources.txt`), the same include
//! directories (`include_dirs.txt`) and the same `HConfig.h`. VENDORED.md says how the
//! lists were produced.
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn lines(path: &Path) -> Vec<String> {
    println!("cargo:rerun-if-changed={}", path.display());
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// The one header CMake generates (`cmake/HConfig.h.in`), with the values of that build.
fn hconfig(version: &str, target: &str, msvc: bool) -> String {
    let mut parts = version.trim().split('.');
    let mut next = || parts.next().unwrap_or("0").to_string();
    let (major, minor, patch) = (next(), next(), next());
    let x86 = target.starts_with("x86_64") || target.starts_with("i686");
    let mut h = String::from("#ifndef HCONFIG_H_\n#define HCONFIG_H_\n\n");
    h += "#define FAST_BUILD\n#define CUPDLP_CPU\n#define HIGHS_SHARED_EXTRAS_LIBRARY\n";
    h += "#define CMAKE_BUILD_TYPE \"Release\"\n";
    if x86 {
        h += "#define HIGHS_HAVE_MM_PAUSE\n";
    }
    if msvc {
        h += "#define HIGHS_HAVE_BITSCAN_REVERSE\n";
    } else {
        h += "#define HIGHS_HAVE_BUILTIN_CLZ\n";
    }
    h += "\n#define HIGHS_GITHASH \"n/a\"\n";
    h += &format!(
        "#define HIGHS_VERSION_MAJOR {major}\n#define HIGHS_VERSION_MINOR {minor}\n#define HIGHS_VERSION_PATCH {patch}\n"
    );
    h + "\n#endif /* HCONFIG_H_ */\n"
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let highs = root.join("HiGHS");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target = env::var("TARGET").unwrap();
    let msvc = target.contains("msvc");

    // Version.txt holds HIGHS_MAJOR=1, HIGHS_MINOR=15, HIGHS_PATCH=0.
    let version_txt = lines(&highs.join("Version.txt"));
    let part = |key: &str| {
        version_txt
            .iter()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("Version.txt has no {key}"))
            .to_string()
    };
    let version = format!(
        "{}.{}.{}",
        part("HIGHS_MAJOR="),
        part("HIGHS_MINOR="),
        part("HIGHS_PATCH=")
    );
    let config_dir = out.join("config");
    fs::create_dir_all(&config_dir).unwrap();
    fs::write(config_dir.join("HConfig.h"), hconfig(&version, &target, msvc)).unwrap();

    let includes: Vec<PathBuf> = lines(&root.join("include_dirs.txt"))
        .iter()
        .map(|d| highs.join(d))
        .chain([config_dir])
        .collect();
    let sources = lines(&root.join("sources.txt"));
    let (c_files, cpp_files): (Vec<_>, Vec<_>) = sources.iter().partition(|s| s.ends_with(".c"));

    let base = |cpp: bool| {
        let mut b = cc::Build::new();
        b.cpp(cpp)
            .includes(&includes)
            .define("NDEBUG", None)
            .opt_level(3)
            .debug(false)
            .warnings(false)
            .extra_warnings(false);
        if cpp {
            b.std("c++11");
            if target.starts_with("x86_64") && !msvc {
                b.flag("-mpopcnt");
            }
        }
        b
    };

    // The C files (cuPDLP, BasicLU...) as objects, linked into the one static library with
    // the C++ ones.
    let mut c = base(false);
    for f in &c_files {
        c.file(highs.join(f));
    }
    let c_objects = c.compile_intermediates();

    let mut cpp = base(true);
    for f in &cpp_files {
        cpp.file(highs.join(f));
    }
    cpp.objects(c_objects).compile("highs");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=HiGHS/highs");
}
