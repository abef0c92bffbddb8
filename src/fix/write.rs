//! Writing a fixed file: atomically, keeping its mode (and owner where possible), and only when
//! it did not change since it was read. This is the only part of the fixer that does I/O.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::FixError;

fn io_error(path: &Path, source: io::Error) -> FixError {
    FixError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces the file at `path` with `new_bytes`, if it still holds exactly `original_bytes`.
///
/// Refuses symlinks, files that are not regular files, read-only files and files that changed
/// since they were read. Writes a temporary file in the same directory, syncs it, gives it the
/// original permissions (and, on Unix, tries to give it the original owner), then renames it over
/// `path`. On any failure before the rename, the original is untouched and the temporary file is
/// removed.
pub fn write_atomic(path: &Path, original_bytes: &[u8], new_bytes: &[u8]) -> Result<(), FixError> {
    write_atomic_with(path, original_bytes, new_bytes, |file, bytes| {
        file.write_all(bytes)
    })
}

/// [`write_atomic`] with the write of the new bytes into the temporary file done by `write`:
/// tests inject failures there (a full disk, an I/O error) that root cannot be made to hit
/// through permissions, and check that the original survives and no temporary file is left.
pub fn write_atomic_with(
    path: &Path,
    original_bytes: &[u8],
    new_bytes: &[u8],
    write: impl FnOnce(&mut fs::File, &[u8]) -> io::Result<()>,
) -> Result<(), FixError> {
    let meta = fs::symlink_metadata(path).map_err(|e| io_error(path, e))?;
    if meta.file_type().is_symlink() {
        return Err(FixError::Symlink(path.to_path_buf()));
    }
    if !meta.is_file() {
        return Err(FixError::NotAFile(path.to_path_buf()));
    }
    let current = fs::read(path).map_err(|e| io_error(path, e))?;
    if current != original_bytes {
        return Err(FixError::ChangedSinceRead(path.to_path_buf()));
    }
    let permissions = meta.permissions();
    if permissions.readonly() {
        return Err(FixError::ReadOnly(path.to_path_buf()));
    }

    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Dropping `tmp` on any early return removes the temporary file.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_error(dir, e))?;
    write(tmp.as_file_mut(), new_bytes).map_err(|e| io_error(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| io_error(tmp.path(), e))?;
    fs::set_permissions(tmp.path(), permissions).map_err(|e| io_error(tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (uid, gid) = (meta.uid(), meta.gid());
        let tmp_meta = tmp
            .as_file()
            .metadata()
            .map_err(|e| io_error(tmp.path(), e))?;
        if tmp_meta.uid() != uid || tmp_meta.gid() != gid {
            match std::os::unix::fs::chown(tmp.path(), Some(uid), Some(gid)) {
                Ok(()) => {}
                // Only root may give a file away; keeping the writer's owner is acceptable.
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {}
                Err(e) => return Err(io_error(tmp.path(), e)),
            }
        }
    }
    tmp.persist(path).map_err(|e| io_error(path, e.error))?;
    // Make the rename durable; failing to sync a directory is not worth failing the fix for.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp_entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("publish.sh");
        fs::write(&path, b"old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        write_atomic(&path, b"old\n", b"new\r\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\r\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o7777, 0o755);
        }
        assert_eq!(tmp_entries(dir.path()), ["publish.sh"]);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.sh");
        let link = dir.path().join("link.sh");
        fs::write(&target, b"old\n").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_atomic(&link, b"old\n", b"new\n").unwrap_err();
        assert!(matches!(err, FixError::Symlink(_)), "{err:?}");
        assert_eq!(fs::read(&target).unwrap(), b"old\n");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(tmp_entries(dir.path()), ["link.sh", "real.sh"]);
    }

    #[test]
    fn refuses_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ps1");
        fs::write(&path, b"edited meanwhile\n").unwrap();
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        assert!(matches!(err, FixError::ChangedSinceRead(_)), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), b"edited meanwhile\n");
        assert_eq!(tmp_entries(dir.path()), ["a.ps1"]);
    }

    #[test]
    fn refuses_read_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ps1");
        fs::write(&path, b"old\n").unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms.clone()).unwrap();
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        assert!(matches!(err, FixError::ReadOnly(_)), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), b"old\n");
        // Still read-only: the fixer never changes permissions to get its way.
        assert!(fs::metadata(&path).unwrap().permissions().readonly());
        assert_eq!(tmp_entries(dir.path()), ["a.ps1"]);
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        fs::set_permissions(&path, perms).unwrap();
    }

    #[test]
    fn refuses_missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope"), b"", b"x").unwrap_err();
        assert!(matches!(err, FixError::Io { .. }), "{err:?}");
        let err = write_atomic(dir.path(), b"", b"x").unwrap_err();
        assert!(matches!(err, FixError::NotAFile(_)), "{err:?}");
    }
}
