package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Topics the package writes. Users and API tokens share one topic so a
// token's events stay ordered with its owner's.
const (
	TopicUsers    = "users"    // user.*, apitoken.*
	TopicSessions = "sessions" // session.*, login.failed.v1
	TopicAudit    = "audit"    // audit.recorded.v1
)

// Stable event types. Never rename one; add a new version instead.
const (
	UserCreated         = "user.created.v1"
	UserPasswordChanged = "user.password_changed.v1"
	UserRolesChanged    = "user.roles_changed.v1"
	UserDisabled        = "user.disabled.v1"
	UserUnlocked        = "user.unlocked.v1" // an admin cleared a user's login limits
	APITokenCreated     = "apitoken.created.v1"
	APITokenRevoked     = "apitoken.revoked.v1"
	SessionStarted      = "session.started.v1"
	SessionTouched      = "session.touched.v1"
	SessionEnded        = "session.ended.v1"
	LoginFailed         = "login.failed.v1"
	AuditRecorded       = "audit.recorded.v1"
)

// Roles. There is no hierarchy: admin manages accounts and is not
// implicitly an approver or leader. Require lists every role it accepts.
const (
	RoleDutyOfficer  = "duty_officer" // 值班员
	RoleSpokesperson = "spokesperson" // 发言人
	RoleApprover     = "approver"     // 审核
	RoleLeader       = "leader"       // 领导
	RoleAdmin        = "admin"        // 管理员
)

// RoleNames maps each role to its Chinese name for the console.
func RoleNames() map[string]string {
	return map[string]string{
		RoleDutyOfficer:  "值班员",
		RoleSpokesperson: "发言人",
		RoleApprover:     "审核",
		RoleLeader:       "领导",
		RoleAdmin:        "管理员",
	}
}

// Errors callers may test with errors.Is. Messages are the Chinese text the
// console shows.
var (
	ErrBadCredentials     = errors.New("用户名或密码错误")
	ErrUserDisabled       = errors.New("账号已停用")
	ErrUserExists         = errors.New("用户名已存在")
	ErrUnknownUser        = errors.New("用户不存在")
	ErrInvalidUsername    = errors.New("用户名不合法")
	ErrInvalidRoles       = errors.New("角色不合法")
	ErrPasswordPolicy     = errors.New("密码不符合要求")
	ErrLastAdmin          = errors.New("不能停用或降级最后一个管理员")
	ErrTooManyAttempts    = errors.New("登录失败次数过多")
	ErrUnknownToken       = errors.New("API 令牌不存在")
	ErrInvalidActor       = errors.New("操作人不能为空")
	ErrInvalidTokenName   = errors.New("令牌名称不合法")
	ErrInvalidDisplayName = errors.New("显示名称不能超过 64 个字符")
)

// User is an account as the rest of yuqing sees it. It never carries the
// password hash.
type User struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Roles       []string  `json:"roles"`
	Disabled    bool      `json:"disabled,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
}

// HasRole reports whether u holds any of roles.
func (u User) HasRole(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// Actor is the event actor for things a user does: "user:alice".
func (u User) Actor() string { return "user:" + u.Username }

// NormalizeUsername lower-cases and trims a username.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateUsername accepts 2–32 characters of a–z, 0–9, '.', '_' and '-',
// starting with a letter or digit (after NormalizeUsername).
func ValidateUsername(u string) error {
	if n := len(u); n < 2 || n > 32 {
		return fmt.Errorf("%w：长度须为 2–32 个字符", ErrInvalidUsername)
	}
	for i, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if i > 0 {
			ok = ok || r == '.' || r == '_' || r == '-'
		}
		if !ok {
			return fmt.Errorf("%w：只能包含小写字母、数字和 . _ -，并以字母或数字开头", ErrInvalidUsername)
		}
	}
	return nil
}

// NormalizeRoles validates roles and returns them sorted and deduplicated.
// At least one role is required.
func NormalizeRoles(roles []string) ([]string, error) {
	names := RoleNames()
	var out []string
	for _, r := range roles {
		r = strings.TrimSpace(r)
		if _, ok := names[r]; !ok {
			return nil, fmt.Errorf("%w：未知角色 %q", ErrInvalidRoles, r)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w：至少需要一个角色", ErrInvalidRoles)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Password rule, in full:
//   - at least MinPasswordChars characters (runes: 12 Chinese characters count as 12);
//   - at most 72 bytes in UTF-8, bcrypt's limit (24 Chinese characters);
//   - not containing the username (case-insensitive);
//   - not one character repeated, nor one block repeated ("abcabcabcabc");
//   - not all digits;
//   - not only a sequential run ("123456789012", "abcdefghijkl", "qwertyuiop"
//     row by row, ascending or descending);
//   - not a common password (common_passwords.txt), nor a common word or
//     name (common_words.txt) with only digits, punctuation or spaces
//     around it ("Password2026!"), in any case;
//   - no control characters.
const (
	MinPasswordChars = 12
	MaxPasswordBytes = 72
)

// CheckPassword applies the password rule. Errors wrap ErrPasswordPolicy and
// say in Chinese what is wrong; they never contain the password.
func CheckPassword(username, password string) error {
	if !utf8.ValidString(password) {
		return fmt.Errorf("%w：不是有效的 UTF-8 文本", ErrPasswordPolicy)
	}
	if utf8.RuneCountInString(password) < MinPasswordChars {
		return fmt.Errorf("%w：至少 %d 个字符", ErrPasswordPolicy, MinPasswordChars)
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("%w：不能超过 %d 字节（约 %d 个汉字）", ErrPasswordPolicy, MaxPasswordBytes, MaxPasswordBytes/3)
	}
	for _, r := range password {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w：不能包含控制字符", ErrPasswordPolicy)
		}
	}
	if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return fmt.Errorf("%w：不能包含用户名", ErrPasswordPolicy)
	}
	first, _ := utf8.DecodeRuneInString(password)
	if strings.Trim(password, string(first)) == "" {
		return fmt.Errorf("%w：不能只重复一个字符", ErrPasswordPolicy)
	}
	return checkTrivialPassword(password)
}

// Title names u for people the way a duty roster does: the role that
// decides most (领导 before 审核, 发言人, 值班员, 管理员) and the display
// name, e.g. "发言人李四"; the username when there is no display name.
func Title(u User) string {
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	for _, role := range RoleNames() {
		if strings.HasPrefix(name, role) {
			return name // 值班员甲 already says who it is
		}
	}
	for _, r := range []string{RoleLeader, RoleApprover, RoleSpokesperson, RoleDutyOfficer, RoleAdmin} {
		if slices.Contains(u.Roles, r) {
			return RoleNames()[r] + name
		}
	}
	return name
}
