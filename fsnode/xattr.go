package fsnode

import (
	"strings"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
)

// xattrs is a node's extended attributes, in the order Listxattr gives them.
// Only attributes with a value are added.
type xattrs []xattr

type xattr struct{ name, value string }

func (x *xattrs) add(name, value string) {
	if value != "" {
		*x = append(*x, xattr{name, value})
	}
}

// userNamespace is the only namespace uploadfs has attributes in. Anything
// else ("security.selinux", "system.posix_acl_access", "com.apple.*") is
// answered ENOTSUP without looking at the node: ls and Finder then stop
// asking, which makes `ls -l` several times faster than ENODATA would.
const userNamespace = "user."

// foreign reports whether attr is outside the namespace uploadfs serves.
func foreign(attr string) bool { return !strings.HasPrefix(attr, userNamespace) }

// get implements Getxattr: with an empty dest it returns the size; a dest
// too small is ERANGE; a missing user attribute is ENOATTR.
func (x xattrs) get(attr string, dest []byte) (uint32, syscall.Errno) {
	for _, a := range x {
		if a.name == attr {
			return fill(dest, a.value)
		}
	}
	return 0, fs.ENOATTR
}

// list implements Listxattr: NUL-terminated names.
func (x xattrs) list(dest []byte) (uint32, syscall.Errno) {
	var b strings.Builder
	for _, a := range x {
		b.WriteString(a.name)
		b.WriteByte(0)
	}
	return fill(dest, b.String())
}

func fill(dest []byte, v string) (uint32, syscall.Errno) {
	if len(dest) == 0 {
		return uint32(len(v)), 0
	}
	if len(dest) < len(v) {
		return uint32(len(v)), syscall.ERANGE
	}
	return uint32(copy(dest, v)), 0
}
