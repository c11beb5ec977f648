"""Single-layer evidence from Keras: the output shape and the trainable and non-trainable
parameters of one layer, for the kinds whose shape rule or weights Keras defines.

Same requirements as recount_keras.py (beside this file): keras and a backend; without
them it says so and exits 0.

    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/count_keras_layers.py > tests/data/reference/keras_layers.tsv

Output is TSV (as tests/data/reference/keras_layers.tsv): layer, input shape (no batch
axis), output shape, trainable, non-trainable.
"""

import datetime

from recount_keras import counts, import_keras


def cases(keras):
    """(label, layer, input shape) for every case."""
    from keras import layers
    from keras.src.applications.convnext import LayerScale

    a, rgb = (14, 14, 8), (224, 224, 3)
    return [
        ("LayerNormalization()", layers.LayerNormalization(), a),
        ("LayerNormalization(center=False)", layers.LayerNormalization(center=False), a),
        ("LayerNormalization(scale=False)", layers.LayerNormalization(scale=False), a),
        ("GroupNormalization(4)", layers.GroupNormalization(4), a),
        ("GroupNormalization(4,center=False,scale=False)", layers.GroupNormalization(4, center=False, scale=False), a),
        ("LayerScale(1e-6,8) convnext", LayerScale(1e-6, 8), a),
        ("Normalization() on RGB", layers.Normalization(), rgb),
        ("Rescaling(1/255)", layers.Rescaling(1 / 255), rgb),
        ("PReLU()", layers.PReLU(), a),
        ("PReLU(shared_axes=[1,2])", layers.PReLU(shared_axes=[1, 2]), a),
        ("Activation('gelu')", layers.Activation("gelu"), a),
        ("Activation('silu')", layers.Activation("silu"), a),
        ("Activation('mish')", layers.Activation("mish"), a),
        ("LeakyReLU()", layers.LeakyReLU(), a),
        ("ELU()", layers.ELU(), a),
        ("UpSampling2D(2)", layers.UpSampling2D(2), a),
        ("UpSampling2D((2,3),bilinear)", layers.UpSampling2D((2, 3), interpolation="bilinear"), a),
        ("Resizing(21,21)", layers.Resizing(21, 21), a),
        ("Conv2DTranspose(16,3,s=2,same)", layers.Conv2DTranspose(16, 3, strides=2, padding="same"), a),
        ("Conv2DTranspose(16,3,s=2,valid)", layers.Conv2DTranspose(16, 3, strides=2, padding="valid"), a),
        ("Conv2DTranspose(16,1,s=2,valid)", layers.Conv2DTranspose(16, 1, strides=2, padding="valid"), a),
        ("Conv2DTranspose(16,3,s=2,same,op=1)",
         layers.Conv2DTranspose(16, 3, strides=2, padding="same", output_padding=1), a),
        ("Conv2DTranspose(16,4,s=2,same,op=1)",
         layers.Conv2DTranspose(16, 4, strides=2, padding="same", output_padding=1), a),
        ("Conv2DTranspose(16,3,s=2,valid,op=1,bias=False)",
         layers.Conv2DTranspose(16, 3, strides=2, padding="valid", output_padding=1, use_bias=False), a),
        ("Conv2DTranspose(16,3,s=1,same,d=2)", layers.Conv2DTranspose(16, 3, padding="same", dilation_rate=2), a),
        ("Cropping2D(((1,2),(3,4)))", layers.Cropping2D(((1, 2), (3, 4))), a),
        ("Cropping2D(2)", layers.Cropping2D(2), a),
    ]


def count(keras, layer, shape):
    model = keras.Sequential([keras.Input(shape), layer])
    _, trainable, non_trainable = counts(model)
    return "x".join(map(str, model.output_shape[1:])), trainable, non_trainable


def main() -> None:
    keras = import_keras()
    if keras is None:
        return
    import jax
    print(f"# Single-layer evidence from Keras {keras.__version__} (JAX {jax.__version__} backend): output shape and"
          " trainable / non-trainable weights of one layer,")
    print("# produced by KERAS_BACKEND=jax python tools/count_keras_layers.py (run from tools/) on "
          f"{datetime.date.today().isoformat()}.")
    print("layer\tin_shape\tout_shape\ttrainable\tnon_trainable")
    for label, layer, shape in cases(keras):
        print(label, "x".join(map(str, shape)), *count(keras, layer, shape), sep="\t", flush=True)


if __name__ == "__main__":
    main()
