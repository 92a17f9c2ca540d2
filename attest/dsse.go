package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// The in-toto and DSSE constants of every signed artefact.
const (
	PayloadType   = "application/vnd.in-toto+json"
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://seigarrena.dev/attestation/v1"
	// LegacyPredicateType is the original engine's; its evidence verifies,
	// but it carries no binding to a tree (see Binding).
	LegacyPredicateType = "https://venturalitica.ai/attestation/v1"
)

// Statement is an in-toto Statement v1. Fields are declared in sorted key
// order, the predicate is canonical JSON (sorted keys at every level), and
// the payload is encoded compactly without HTML escaping: for sei's data
// that is exactly JCS, as the original engine writes it.
type Statement struct {
	Type          string          `json:"_type"`
	Predicate     json.RawMessage `json:"predicate"`
	PredicateType string          `json:"predicateType"`
	Subject       []Subject       `json:"subject"`
}

// Subject names a signed file by its repository-relative path (the
// original engine named it relative to the artefact directory).
type Subject struct {
	Digest map[string]string `json:"digest"`
	Name   string            `json:"name"`
}

// Envelope is a DSSE envelope, written compactly with no trailing newline.
type Envelope struct {
	Payload     string      `json:"payload"`
	PayloadType string      `json:"payloadType"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// pae is the DSSE v1 pre-authentication encoding that is actually signed.
func pae(typ string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(typ), typ, len(payload), payload)
}

func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Canonical re-encodes v with sorted keys at every level and numbers kept
// as written, so struct field order never leaks into signed bytes.
func Canonical(v any) (json.RawMessage, error) {
	b, err := compactJSON(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return compactJSON(generic)
}

// basePredicate is what every sei statement says of its producer.
func basePredicate() map[string]any { return map[string]any{"statement_version": 1, "tool": "sei"} }

// Sign returns the DSSE envelope for one file: data is its content and
// name its repository-relative path, the statement's only subject. extra
// joins the predicate (nil for none). A nil random source makes ECDSA
// deterministic (RFC 6979): same key and bytes, same envelope. The
// signature is ASN.1 DER, the encoding cosign and securesystemslib verify.
func Sign(k *ecdsa.PrivateKey, name string, data []byte, extra map[string]any) ([]byte, error) {
	pred := basePredicate()
	for key, v := range extra {
		pred[key] = v
	}
	p, err := Canonical(pred)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	st := Statement{Type: StatementType, Predicate: p, PredicateType: PredicateType,
		Subject: []Subject{{Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}, Name: name}}}
	payload, err := compactJSON(st)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(pae(PayloadType, payload))
	der, err := k.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", name, err)
	}
	return compactJSON(Envelope{Payload: base64.StdEncoding.EncodeToString(payload), PayloadType: PayloadType,
		Signatures: []Signature{{KeyID: KeyID(&k.PublicKey), Sig: base64.StdEncoding.EncodeToString(der)}}})
}

// verifySig accepts ASN.1 DER (what sei writes) and raw 64-byte r‖s (what
// the original engine wrote).
func verifySig(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	if len(sig) == 64 {
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if ecdsa.Verify(pub, digest, r, s) {
			return true
		}
	}
	return ecdsa.VerifyASN1(pub, digest, sig)
}

// Verification failures, each with its own message.
var (
	ErrNoSignature   = errors.New("no signature")
	ErrBadSignature  = errors.New("no signature verifies with a trusted key")
	ErrPayloadType   = errors.New("payload type is not " + PayloadType)
	ErrSubject       = errors.New("subject digest does not match the file")
	ErrSubjectName   = errors.New("the signature is not for this file")
	ErrPredicateType = errors.New("predicate type is neither sei's nor the original engine's")
)

// Verified is what a good envelope says: its statement (read from the
// verified payload only) and the trusted key that signed it.
type Verified struct {
	Statement Statement
	Key       *ecdsa.PublicKey
}

// Predicate decodes the verified predicate into v.
func (v *Verified) Predicate(out any) error { return json.Unmarshal(v.Statement.Predicate, out) }

// Legacy reports evidence of the original engine (its predicate type).
func (v *Verified) Legacy() bool { return v.Statement.PredicateType == LegacyPredicateType }

// VerifyEnvelope checks that env is a valid signature, by a trusted key, of
// exactly the file whose bytes are data: the statement must have one
// subject, named name (the file's repository-relative path), with data's
// SHA-256. The original engine named files relative to the artefact
// directory: legacyName is accepted for its predicate type only. A
// signature copied from another file fails here.
func VerifyEnvelope(env, data []byte, name, legacyName string, trusted []*ecdsa.PublicKey) (*Verified, error) {
	var e Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		return nil, fmt.Errorf("not a DSSE envelope: %w", err)
	}
	if e.PayloadType != PayloadType {
		return nil, ErrPayloadType
	}
	if len(e.Signatures) == 0 {
		return nil, ErrNoSignature
	}
	payload, err := decodeBase64(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("payload is not base64: %w", err)
	}
	key := validKey(e.Signatures, payload, trusted)
	if key == nil {
		return nil, ErrBadSignature
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil || st.Type != StatementType {
		return nil, fmt.Errorf("payload is not an in-toto Statement v1")
	}
	if st.PredicateType != PredicateType && st.PredicateType != LegacyPredicateType {
		return nil, fmt.Errorf("%w: %q", ErrPredicateType, st.PredicateType)
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%w: the statement has %d subjects, want exactly one", ErrSubjectName, len(st.Subject))
	}
	s := st.Subject[0]
	names := []string{name}
	if st.PredicateType == LegacyPredicateType {
		names = append(names, legacyName)
	}
	if !slices.Contains(names, s.Name) {
		return nil, fmt.Errorf("%w: it signs %q, not %q", ErrSubjectName, s.Name, name)
	}
	sum := sha256.Sum256(data)
	if s.Digest["sha256"] != hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%s: %w", s.Name, ErrSubject)
	}
	return &Verified{Statement: st, Key: key}, nil
}

// decodeBase64 accepts standard and URL-safe base64, as DSSE asks.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// validKey is the first trusted key that made one of sigs. The keyid is an
// unauthenticated hint (DSSE), so every key is tried.
func validKey(sigs []Signature, payload []byte, trusted []*ecdsa.PublicKey) *ecdsa.PublicKey {
	d := sha256.Sum256(pae(PayloadType, payload))
	for _, s := range sigs {
		raw, err := decodeBase64(s.Sig)
		if err != nil {
			continue
		}
		for _, k := range trusted {
			if verifySig(k, d[:], raw) {
				return k
			}
		}
	}
	return nil
}
