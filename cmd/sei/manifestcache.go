package main

import (
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/confine"
	"seigarrena.dev/sei/manifest"
)

// manifestCache is the decoded-manifest cache of repo (.sei/cache/manifest),
// or nil when this machine cannot keep one: no key can be made under the
// user's cache directory, or the running binary has no build id to name
// its entries by (a binary whose decoder changed must not read them).
func manifestCache(repo string) *manifest.Cache {
	key, build := manifestCacheKey(), buildID()
	if key == nil || build == "" {
		return nil
	}
	return &manifest.Cache{Root: repo, Dir: ".sei/cache/manifest", Key: key, Build: build}
}

// adapterMemo keeps the adapters' slow answers (Dagster's asset graph) in
// the user's cache directory, sealed with the machine-local key; nil when
// there is no key.
func adapterMemo() *adapters.Memo {
	dir, err := os.UserCacheDir()
	key := manifestCacheKey()
	if err != nil || key == nil {
		return nil
	}
	return &adapters.Memo{Dir: filepath.Join(dir, "sei", "adapters"), Key: key}
}

// manifestCacheKey is the machine-local HMAC key sealing manifest cache
// entries: 32 random bytes in the user's cache directory (0600), made on
// first use. It never lives in a repository, so an entry planted in .sei/
// does not verify. Nil on any failure.
func manifestCacheKey() []byte {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	p := filepath.Join(dir, "sei", "manifest-cache.key")
	if key, err := confine.ReadRegular(p, 64); err == nil {
		if len(key) == 32 {
			return key
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil || os.MkdirAll(filepath.Dir(p), 0o700) != nil {
		return nil
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil // made by a concurrent sei: the next command reads it
	}
	defer f.Close()
	if _, err := f.Write(key); err != nil {
		return nil
	}
	return key
}

var buildIDOnce = sync.OnceValue(readBuildID)

func buildID() string { return buildIDOnce() }

// readBuildID is the SHA-256 of the running executable's Go build id note
// (.note.go.buildid): a few hundred bytes read, where hashing the binary
// would cost 20 ms. "" when there is none (not ELF, stripped of it).
func readBuildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil || len(data) == 0 {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
