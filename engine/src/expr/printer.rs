//! Prints a syntax tree back to source: `print` on one line, `pretty` broken
//! over lines when it does not fit. Parsing either output gives the same tree.

use crate::expr::ast::{Expr, ExprKind};

/// The canonical one-line form, e.g. `Replace([mail], "@x.com", , , "", , )`.
pub fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_flat(expr, &mut out);
    out
}

/// Like [`print()`], but a call that does not fit in `width` columns puts each
/// argument on its own line, indented by two spaces per level.
pub fn pretty(expr: &Expr, width: usize) -> String {
    let mut out = String::new();
    write_pretty(expr, width, 0, &mut out);
    out
}

fn write_flat(expr: &Expr, out: &mut String) {
    match &expr.kind {
        ExprKind::Attribute(name) => {
            out.push('[');
            out.push_str(name);
            out.push(']');
        }
        ExprKind::String(text) => write_string(text, out),
        ExprKind::Integer { value, hex } => write_integer(*value, *hex, out),
        ExprKind::Constant(mode) => out.push_str(mode.keyword()),
        ExprKind::Compare { op, left, right } => {
            write_flat(left, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_flat(right, out);
        }
        ExprKind::Call { name, args } => {
            out.push_str(&name.text);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    // An omitted argument prints as nothing between commas.
                    out.push_str(", ");
                }
                if let Some(arg) = arg {
                    write_flat(arg, out);
                }
            }
            out.push(')');
        }
    }
}

fn write_pretty(expr: &Expr, width: usize, indent: usize, out: &mut String) {
    let flat = print(expr);
    let ExprKind::Call { name, args } = &expr.kind else {
        out.push_str(&flat);
        return;
    };
    if indent + flat.chars().count() <= width || args.is_empty() {
        out.push_str(&flat);
        return;
    }
    out.push_str(&name.text);
    out.push('(');
    for (i, arg) in args.iter().enumerate() {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        if let Some(arg) = arg {
            write_pretty(arg, width, indent + 2, out);
        }
        if i + 1 < args.len() {
            out.push(',');
        }
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push(')');
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn write_integer(value: i64, hex: bool, out: &mut String) {
    if hex && value >= 0 {
        out.push_str(&format!("&H{value:X}"));
    } else {
        out.push_str(&value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    fn round_trip(src: &str) -> String {
        let e = parse(src).unwrap();
        let printed = print(&e);
        assert_eq!(parse(&printed).unwrap(), e, "{printed}");
        let pretty_printed = pretty(&e, 20);
        assert_eq!(parse(&pretty_printed).unwrap(), e, "{pretty_printed}");
        printed
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(
            round_trip(r#"Replace([mail],"@x.com",,,"",,)"#),
            r#"Replace([mail], "@x.com", , , "", , )"#
        );
        assert_eq!(
            round_trip(r#"IIF([a]="x",  "q\"uote", "back\\slash")"#),
            r#"IIF([a] = "x", "q\"uote", "back\\slash")"#
        );
        assert_eq!(round_trip("BitAnd(&hf, &HF7)"), "BitAnd(&HF, &HF7)");
        assert_eq!(round_trip("DateAdd(\"d\", -10, Now())"), "DateAdd(\"d\", -10, Now())");
        assert_eq!(
            round_trip("InStr(\"a\",\"b\",1,vbTextCompare)"),
            "InStr(\"a\", \"b\", 1, vbTextCompare)"
        );
        assert_eq!(round_trip("F(,)"), "F(, )");
        assert_eq!(round_trip("F( )"), "F()");
    }

    #[test]
    fn pretty_breaks_long_calls() {
        let e = parse(r#"Switch([state], "x", "NSW", "Australia/Sydney")"#).unwrap();
        assert_eq!(
            pretty(&e, 30),
            "Switch(\n  [state],\n  \"x\",\n  \"NSW\",\n  \"Australia/Sydney\"\n)"
        );
        assert_eq!(pretty(&e, 200), print(&e));
    }
}
