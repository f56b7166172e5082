//go:build !darwin

package fsnode

var platformMountOptions []string
