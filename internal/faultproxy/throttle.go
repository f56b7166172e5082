package faultproxy

// Throttle is a rule that answers 503 SlowDown to a listing request that
// finds more than limit requests in flight, as S3 throttles a prefix sent
// more than it takes, and lets the others through.
func Throttle(limit int) func(Request) Fault {
	return func(r Request) Fault {
		if r.InFlight > limit {
			return SlowDown
		}
		return None
	}
}
