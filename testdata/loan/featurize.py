"""Stage featurize: the applications, read through Croissant, encoded once."""
import compliance_eval


def main() -> int:
    """Write data/features.csv; return the number of rows."""
    frame = compliance_eval.encode(compliance_eval.load_applications())
    compliance_eval.FEATURES.parent.mkdir(exist_ok=True)
    frame.to_csv(compliance_eval.FEATURES, index=False, float_format="%.10g")
    return len(frame)


if __name__ == "__main__":
    main()
