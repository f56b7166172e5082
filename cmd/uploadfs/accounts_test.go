package main

import (
	"errors"
	"strings"
	"testing"
)

// The account flags refuse what they cannot mean, before any request.
func TestAccountFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--role-name", "audit"},
		{"--account", "111122223333"},
		{"--organization"},
		{"--organization", "--role-name", "audit", "bucket"},
		{"--organization", "--role-name", "audit", "--glacier"},
		{"--organization", "--role-name", "audit", "--profile", "a", "--profile", "b"},
		{"--profile", "a", "--profile", "b", "--expected-bucket-owner", "111122223333"},
		{"--organization", "--role-name", "audit", "--account", "1234"},
	} {
		root := newRootCmd()
		root.SetArgs(append([]string{"report"}, args...))
		root.SetOut(&strings.Builder{})
		root.SetErr(&strings.Builder{})
		if err := root.Execute(); !errors.Is(err, errUsage) {
			t.Errorf("report %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}
