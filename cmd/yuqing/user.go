package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"yuqing/cmd/yuqing/app"
	"yuqing/respond/auth"
)

// runUser is `yuqing user add|list|set-roles|disable|passwd|unlock`: console
// accounts, kept as events in the log. Passwords come from standard input
// only, never from flags (they would show in ps and shell history).
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, logger *slog.Logger) error {
	const use = "usage: yuqing user add --username NAME --role admin[,duty_officer…] [--name 显示名] --password-stdin | list | set-roles --username NAME --role R[,R] | disable --username NAME | passwd --username NAME --password-stdin | unlock --username NAME"
	if len(args) == 0 {
		return errors.New(use)
	}
	verb := args[0]
	if verb == "roles" {
		// "roles" read like a listing but set the roles: kept for scripts.
		fmt.Fprintln(stderr, `yuqing user: "roles" is deprecated and will be removed; use "yuqing user set-roles --username NAME --role R[,R]"`)
		verb = "set-roles"
	}
	var username, display, roles, actor string
	var passwordStdin bool
	cfg, _, err := app.Load("user "+verb, args[1:], getenv, app.Sections{Log: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "account name (letters, digits, . _ -)")
		fs.StringVar(&display, "name", "", "display name shown in the console, e.g. 张三")
		fs.StringVar(&roles, "role", "", "roles, comma-separated: "+roleList())
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
		fs.StringVar(&actor, "actor", osUser(), "who makes the change (recorded in the event)")
	})
	if err != nil {
		return err
	}
	actor = cliActor(actor)
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	password := func() (string, error) {
		if !passwordStdin {
			return "", errors.New("give the password on standard input with --password-stdin")
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	dir := func() (*auth.Directory, error) {
		d, err := auth.NewDirectory(log, time.Now, auth.DefaultBcryptCost, nil)
		if err != nil {
			return nil, err
		}
		return d, d.Load(ctx)
	}
	switch verb {
	case "add":
		pw, err := password()
		if err != nil {
			return err
		}
		if display == "" {
			display = username
		}
		u, err := auth.CreateUser(ctx, log, username, display, pw, splitRoles(roles), actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s created with roles %s\n", u.Username, strings.Join(u.Roles, ","))
	case "list":
		d, err := dir()
		if err != nil {
			return err
		}
		var rows [][]string
		for _, u := range d.Users() {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			rows = append(rows, []string{u.Username, u.DisplayName, state, strings.Join(u.Roles, ",")})
		}
		writeColumns(stdout, rows)
	case "set-roles":
		d, err := dir()
		if err != nil {
			return err
		}
		u, err := d.SetRoles(ctx, actor, username, splitRoles(roles))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s now has roles %s\n", u.Username, strings.Join(u.Roles, ","))
	case "disable":
		d, err := dir()
		if err != nil {
			return err
		}
		if err := d.Disable(ctx, actor, username); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s disabled; their sessions end\n", username)
	case "passwd":
		pw, err := password()
		if err != nil {
			return err
		}
		d, err := dir()
		if err != nil {
			return err
		}
		if err := d.ChangePassword(ctx, actor, username, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; their sessions end and their login limits are cleared\n", username)
	case "unlock":
		d, err := dir()
		if err != nil {
			return err
		}
		if err := d.Unlock(ctx, actor, username); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "login limits of %s cleared (a running server follows)\n", username)
	default:
		return errors.New(use)
	}
	return nil
}

// writeColumns writes rows as left-aligned columns separated by two spaces,
// padded by display width: a CJK character (张三) takes two columns of a
// terminal, so counting bytes or runes would misalign Chinese names.
func writeColumns(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// displayWidth is how many terminal columns s takes: two for East Asian
// wide and fullwidth characters, none for combining marks, one otherwise.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200b':
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

func splitRoles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func roleList() string {
	var parts []string
	for _, r := range []string{auth.RoleAdmin, auth.RoleDutyOfficer, auth.RoleSpokesperson, auth.RoleApprover, auth.RoleLeader} {
		parts = append(parts, r+"("+auth.RoleNames()[r]+")")
	}
	return strings.Join(parts, ", ")
}

// osUser is who runs the command: $USER, else the account's name, else
// "unknown" — an event's actor is never empty.
func osUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// cliActor is the actor of a change made from the command line.
func cliActor(name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(name), "cli:")
	if name == "" {
		name = osUser()
	}
	return "cli:" + name
}
