// Package act holds the two commands that change S3 on purpose: aborting
// old uploads (`uploadfs abort`) and giving buckets a lifecycle rule that
// aborts them (`uploadfs lifecycle --ensure-abort`). Both plan first and
// change nothing until the caller, having shown the plan, runs it.
//
// # Files
//
//	verify.go     AbortAndVerify: abort, then list until S3 says the upload
//	              is gone; the mount's rmdir and `uploadfs abort` share it
//	plan.go       the abort plan: every upload of the targets, selected by
//	              age, initiator and storage class, with its parts counted
//	accounts.go   a plan over several accounts: each account reached, every
//	              bucket of it planned, each item naming its account
//	abort.go      running a plan: per upload ID, listed again just before
//	              its abort, a bounded number at once, every abort logged
//	lifecycle.go  --ensure-abort: read, merge, read again, write, read back
//	rules.go      rules as one line each, for the diff and the listing
//	coverage.go   the rules with the abort action, what each covers and
//	              leaves out (`uploadfs lifecycle` without an action)
//
// # Safety
//
// An upload is aborted by its ID, never by its key: a fresh upload of the
// same key is a different upload and is never touched. One whose Initiated
// time is missing or in the future is never selected. An abort that has
// started runs to its end (bounded by its timeout) even when the caller is
// interrupted; an interrupt only stops starting new ones.
//
// A lifecycle configuration is written back only when it round-trips
// exactly: every element of what was read is one uploadfs knows and
// writes again, and the configuration read just before the write is the
// one the plan was made from. What is read back after the write must equal
// what was written; otherwise the caller is told.
package act
