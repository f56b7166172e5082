// Package accounts finds the AWS accounts a report or a mount scans and
// the credentials each is scanned with: the accounts of an AWS
// Organization (ListAccounts, page by page), each reached by assuming one
// role that exists in every member account, or a set of shared-config
// profiles, one account each.
//
// An account that cannot be scanned is never left out: Reach says why,
// as an *Error naming the account, the role (or profile) tried and the
// AWS error code, and the caller makes it a row of its own.
//
// # Files
//
//	doc.go           this
//	organization.go  ListAccounts, the accounts asked for and excluded
//	credentials.go   the assumed role's credentials (cached and renewed),
//	                 a profile's account (GetCallerIdentity)
//	errors.go        Error: which account, through what, the AWS code
package accounts
