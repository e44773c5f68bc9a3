package candor

// MaxIDLen is the longest customer, item or action ID accepted.
const MaxIDLen = 128

// ValidateID checks an identifier from outside: 1-128 characters of
// [A-Za-z0-9._:@-]. Braces are excluded so an ID can never change a Redis
// hash tag. field names the input in the message.
func ValidateID(field, id string) error {
	if id == "" || len(id) > MaxIDLen {
		return Errorf(EInvalid, "%s must be 1-%d characters long", field, MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return Errorf(EInvalid, "%s %q has a character outside A-Z a-z 0-9 . _ : @ -", field, clip(id))
		}
	}
	return nil
}

func idByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '.' || b == '_' || b == ':' || b == '@' || b == '-'
}

func clip(s string) string { return Clip(s, 40) }
