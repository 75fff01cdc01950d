package discordtest

// ForgetNonces ends Discord's nonce window for every channel: a message sent
// again with an enforced nonce is stored as new. Discord de-duplicates a
// nonce only "in the past few minutes"; a test of a restart that comes later
// than that calls this first.
func (s *Server) ForgetNonces() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.nonces {
		delete(s.nonces, k)
	}
}
