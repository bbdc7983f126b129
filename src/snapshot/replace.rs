//! Writing a snapshot over an existing one so that a reader (a service reloading its rules)
//! finds the old file or the new one, never part of either: the bytes go to a new file beside
//! the target, are synced, and the new file is renamed over the target.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary names this process has taken (several writers may run at once).
static TAKEN: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path`.
///
/// A regular file is replaced by rename, the new file taking the old one's permissions (its
/// owner becomes the writer, and a hard link to the old file keeps the old contents). A new
/// file is created the same way. A symbolic link is followed: the file it points to is
/// replaced and the link stays. Anything else (a device such as `/dev/null`, a FIFO), and a
/// file in a directory where no new file can be created, is written in place.
///
/// # Errors
/// The I/O error and the path it concerns (the temporary file while writing it, the target
/// otherwise). The temporary file is removed after an error.
pub(super) fn write_replacing(path: &Path, bytes: &[u8]) -> Result<(), (PathBuf, std::io::Error)> {
    let in_place = || fs::write(path, bytes).map_err(|e| (path.to_path_buf(), e));
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match fs::canonicalize(path) {
            Ok(t) => t,
            // A dangling link: writing through it creates its target.
            Err(_) => return in_place(),
        },
        _ => path.to_path_buf(),
    };
    let permissions = match fs::metadata(&target) {
        Ok(m) if m.is_file() => Some(m.permissions()),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        // A device, a FIFO, a directory (whose error `write` gives), or unreadable metadata.
        _ => return in_place(),
    };
    let Some(name) = target.file_name() else {
        return in_place();
    };
    let Some((temp, mut file)) = create_beside(&target, name) else {
        return in_place();
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| match permissions {
            Some(p) => file.set_permissions(p),
            None => Ok(()),
        })
        .and_then(|()| file.sync_all())
        .map_err(|e| (temp.clone(), e));
    drop(file);
    let result = written.and_then(|()| fs::rename(&temp, &target).map_err(|e| (target.clone(), e)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A new file `.NAME.PID-N.tmp` beside `target`, created exclusively (a name left by an
/// earlier, interrupted run is skipped); `None` when none can be created there.
fn create_beside(target: &Path, name: &std::ffi::OsStr) -> Option<(PathBuf, fs::File)> {
    for _ in 0..8 {
        let mut temp = OsString::from(".");
        temp.push(name);
        temp.push(format!(
            ".{}-{}.tmp",
            std::process::id(),
            TAKEN.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = target.with_file_name(temp);
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Some((temp, file)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("zonecheck-replace-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("temp dir");
        d
    }

    fn listing(d: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(d)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A new file and an existing one are written whole, and nothing is left beside them.
    #[test]
    fn files_are_created_and_replaced_leaving_nothing_beside_them() {
        let d = dir("files");
        let path = d.join("rules.zcs");
        write_replacing(&path, b"first").expect("created");
        write_replacing(&path, b"second, longer").expect("replaced");
        assert_eq!(fs::read(&path).expect("reads"), b"second, longer");
        assert_eq!(listing(&d), ["rules.zcs"]);
        let _ = fs::remove_dir_all(&d);
    }

    /// The replaced file keeps its permissions; a symbolic link stays a link to the file it
    /// named, which is replaced.
    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_and_links_followed() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("links");
        let real = d.join("v3.zcs");
        fs::write(&real, b"old").expect("written");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = d.join("rules.zcs");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_replacing(&link, b"new").expect("replaced through the link");
        assert!(
            fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).expect("reads"), b"new");
        let mode = fs::metadata(&real).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(listing(&d), ["rules.zcs", "v3.zcs"]);
        let _ = fs::remove_dir_all(&d);
    }

    /// A directory is not replaced: writing to it is an error naming it.
    #[test]
    fn a_directory_is_an_error_not_replaced() {
        let d = dir("directory");
        let target = d.join("out");
        fs::create_dir(&target).expect("made");
        let (path, _) = write_replacing(&target, b"x").expect_err("refused");
        assert_eq!(path, target);
        assert!(target.is_dir());
        assert_eq!(listing(&d), ["out"]);
        let _ = fs::remove_dir_all(&d);
    }
}
